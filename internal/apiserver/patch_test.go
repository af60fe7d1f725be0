package apiserver

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"orca/internal/registry"
)

func podResource(t testing.TB) *registry.Resource {
	for _, r := range registry.Resources() {
		if r.GR().Resource == "pods" && r.GR().Group == "" {
			return r
		}
	}
	t.Fatal("no pods resource")
	return nil
}

// kubeletPatch is a typical pod with the managed fields of its creator and
// the strategic merge patch a kubelet sends to mark it running.
func kubeletPatch(t testing.TB) (*corev1.Pod, []byte) {
	_, trusted := podFieldManagers(t)
	live, updated := statusWrite()
	typicalSpec(live)
	typicalSpec(updated)
	first, err := trusted.Update(&corev1.Pod{TypeMeta: live.TypeMeta}, live, "creator", "")
	if err != nil {
		t.Fatal(err)
	}
	// As stored: times to the second.
	stored, _ := json.Marshal(first)
	cur := &corev1.Pod{}
	if err := json.Unmarshal(stored, cur); err != nil {
		t.Fatal(err)
	}
	next := cur.DeepCopy()
	next.Status = updated.Status
	oldJ, _ := json.Marshal(cur)
	newJ, _ := json.Marshal(next)
	patch, err := strategicpatch.CreateTwoWayMergePatch(oldJ, newJ, &corev1.Pod{})
	if err != nil {
		t.Fatal(err)
	}
	return cur, patch
}

// A patch that leaves the managed fields out gives the same object whether
// they go through the JSON round trip or are set aside, and cur is left
// as it was; a patch naming them still changes them.
func TestApplyPatchManagedFieldsSetAside(t *testing.T) {
	s, res := decodeOnlyServer(), podResource(t)
	cur, patch := kubeletPatch(t)
	before := cur.DeepCopy()
	for _, pt := range []types.PatchType{types.StrategicMergePatchType, types.MergePatchType, types.JSONPatchType} {
		p := patch
		if pt == types.JSONPatchType {
			p = []byte(`[{"op":"replace","path":"/status/phase","value":"Running"}]`)
		}
		got, err := s.applyPatch(httptest.NewRecorder(), res, pt, cur, p, "Strict")
		if err != nil {
			t.Fatalf("%s: %v", pt, err)
		}
		if !equality.Semantic.DeepEqual(cur, before) {
			t.Fatalf("%s: cur changed", pt)
		}
		pod := got.(*corev1.Pod)
		if !equality.Semantic.DeepEqual(pod.ManagedFields, cur.ManagedFields) || len(pod.ManagedFields) == 0 {
			t.Errorf("%s: managed fields %v, want %v", pt, pod.ManagedFields, cur.ManagedFields)
		}
		if pod.Status.Phase != corev1.PodRunning {
			t.Errorf("%s: phase %q, the patch was not applied", pt, pod.Status.Phase)
		}
		if pt != types.JSONPatchType && !equality.Semantic.DeepEqual(pod.Status.ContainerStatuses, statusOf(t).ContainerStatuses) {
			t.Errorf("%s: container statuses %v", pt, pod.Status.ContainerStatuses)
		}
	}
	got, err := s.applyPatch(httptest.NewRecorder(), res, types.MergePatchType, cur, []byte(`{"metadata":{"managedFields":[{}]}}`), "Strict")
	if err != nil {
		t.Fatal(err)
	}
	if mf := got.(*corev1.Pod).ManagedFields; len(mf) != 1 || mf[0].Manager != "" {
		t.Errorf("a patch naming the managed fields gave %v", mf)
	}
}

func statusOf(t testing.TB) corev1.PodStatus {
	_, updated := statusWrite()
	return updated.Status
}

// The apiserver's share of a kubelet status patch: narrow, encode, patch,
// decode.
func BenchmarkApplyStatusPatch(b *testing.B) {
	s, res := decodeOnlyServer(), podResource(b)
	cur, patch := kubeletPatch(b)
	b.ReportAllocs()
	for b.Loop() {
		base := narrowed(cur, "status", types.StrategicMergePatchType, patch)
		if _, err := s.applyPatch(httptest.NewRecorder(), res, types.StrategicMergePatchType, base, patch, "Strict"); err != nil {
			b.Fatal(err)
		}
	}
}
