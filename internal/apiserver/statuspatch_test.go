package apiserver

import (
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// narrowed is what handlePatch hands applyPatch for this request.
func narrowed(cur runtime.Object, sub string, pt types.PatchType, patch []byte) runtime.Object {
	if onlyStatusPatch(sub, pt, patch) {
		return statusPart(cur)
	}
	return cur
}

// sameStatusWrite applies patch to cur whole and to cur narrowed for a
// status write, and requires what a status write keeps of the result
// (metadata and status) to be the same, or the same error.
func sameStatusWrite(t *testing.T, pt types.PatchType, cur *corev1.Pod, patch []byte) (wasNarrowed bool) {
	t.Helper()
	s, res := decodeOnlyServer(), podResource(t)
	base := narrowed(cur, "status", pt, patch)
	w1, w2 := httptest.NewRecorder(), httptest.NewRecorder()
	whole, err1 := s.applyPatch(w1, res, pt, cur.DeepCopy(), patch, "Warn")
	part, err2 := s.applyPatch(w2, res, pt, base, patch, "Warn")
	if err1 != nil || err2 != nil {
		if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
			t.Fatalf("patch %s: errors differ:\nwhole  %v\nnarrow %v", patch, err1, err2)
		}
		return base != runtime.Object(cur)
	}
	a, b := whole.(*corev1.Pod), part.(*corev1.Pod)
	if !equality.Semantic.DeepEqual(a.ObjectMeta, b.ObjectMeta) || !equality.Semantic.DeepEqual(a.Status, b.Status) || a.TypeMeta != b.TypeMeta {
		t.Fatalf("patch %s: results differ:\nwhole  %#v\n%#v\nnarrow %#v\n%#v", patch, a.ObjectMeta, a.Status, b.ObjectMeta, b.Status)
	}
	if w, n := w1.Header()["Warning"], w2.Header()["Warning"]; len(w) != len(n) {
		t.Fatalf("patch %s: warnings differ: %q vs %q", patch, w, n)
	}
	return base != runtime.Object(cur)
}

func TestNarrowToStatus(t *testing.T) {
	cur, kubelet := kubeletPatch(t)
	cur.UID = "u1"
	before := cur.DeepCopy()
	for _, tc := range []struct {
		pt     types.PatchType
		patch  string
		narrow bool
	}{
		{types.StrategicMergePatchType, string(kubelet), true},
		{types.StrategicMergePatchType, `{"metadata":{"uid":"u1"},"status":{"$setElementOrder/conditions":[{"type":"Ready"},{"type":"PodScheduled"}],"conditions":[{"type":"Ready","status":"False"}],"phase":"Running"}}`, true},
		{types.StrategicMergePatchType, `{"status":{"conditions":[{"type":"Ready","$patch":"delete"}],"podIP":null}}`, true},
		{types.StrategicMergePatchType, `{"metadata":{"annotations":{"a":"b"},"labels":null},"status":{"hostIP":"192.0.2.1"}}`, true},
		{types.StrategicMergePatchType, `{"status":{"phase":"Running","bogus":1}}`, true},
		{types.StrategicMergePatchType, `{"status":{"conditions":"notalist"}}`, true},
		{types.StrategicMergePatchType, `{"status":null}`, true},
		{types.MergePatchType, `{"status":{"conditions":[{"type":"Ready","status":"True"}],"phase":"Succeeded"}}`, true},
		{types.MergePatchType, `{"metadata":{"uid":"other"},"status":{}}`, true},
		{types.MergePatchType, `{"metadata":{"resourceVersion":"7"}}`, true},
		// Not narrowed: another part named, or a directive at the top.
		{types.StrategicMergePatchType, `{"spec":{"activeDeadlineSeconds":5},"status":{"phase":"Running"}}`, false},
		{types.StrategicMergePatchType, `{"$patch":"replace","status":{}}`, false},
		{types.MergePatchType, `{"kind":"Pod","status":{}}`, false},
		{types.MergePatchType, `{"status":{}`, false},
	} {
		if got := sameStatusWrite(t, tc.pt, cur, []byte(tc.patch)); got != tc.narrow {
			t.Errorf("patch %s: narrowed %v, want %v", tc.patch, got, tc.narrow)
		}
	}
	if !equality.Semantic.DeepEqual(cur, before) {
		t.Errorf("the live object changed")
	}
	// Only status writes, and only merge and strategic merge patches.
	for _, c := range []struct {
		sub string
		pt  types.PatchType
	}{{"", types.StrategicMergePatchType}, {"status", types.JSONPatchType}} {
		if narrowed(cur, c.sub, c.pt, kubelet) != runtime.Object(cur) {
			t.Errorf("subresource %q, %s patch: narrowed", c.sub, c.pt)
		}
	}
	// The narrowed copy has no spec: that is what it saves.
	if n := narrowed(cur, "status", types.StrategicMergePatchType, kubelet).(*corev1.Pod); len(n.Spec.Containers) != 0 || n.Name != cur.Name || n.Status.Phase != cur.Status.Phase {
		t.Errorf("narrowed copy: spec %d containers, name %q, phase %q", len(n.Spec.Containers), n.Name, n.Status.Phase)
	}
}

// Any merge or strategic merge patch gives a status write the same
// metadata and status, or the same error, narrowed or not.
func FuzzStatusPatch(f *testing.F) {
	cur, kubelet := kubeletPatch(f)
	cur.UID = "u1"
	cur.Annotations = map[string]string{"a": "1"}
	f.Add(kubelet, false)
	f.Add([]byte(`{"metadata":{"uid":"u1","annotations":{"a":null}},"status":{"conditions":[{"type":"Ready","$patch":"delete"}]}}`), false)
	f.Add([]byte(`{"status":{"containerStatuses":[{"name":"c","ready":true}],"$setElementOrder/containerStatuses":[{"name":"c"}]}}`), false)
	f.Add([]byte(`{"status":{"phase":"Failed","startTime":"2026-01-01T00:00:00Z"}}`), true)
	f.Fuzz(func(t *testing.T, patch []byte, merge bool) {
		pt := types.StrategicMergePatchType
		if merge {
			pt = types.MergePatchType
		}
		p, err := toJSON(patch)
		if err != nil {
			return
		}
		sameStatusWrite(t, pt, cur, p)
	})
}

// A patch that makes apimachinery's strategic merge panic is a 400.
func TestStrategicMergePatchPanicIsBadRequest(t *testing.T) {
	s, res := decodeOnlyServer(), podResource(t)
	cur := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "c"}}}}
	patch := []byte(`{"status":{"containerStatuses":[{"name":"c","ready":true}],"$setElementOrder/containerStatuses":[{"name":"c"}]}}`)
	_, err := s.applyPatch(httptest.NewRecorder(), res, types.StrategicMergePatchType, cur, patch, "Strict")
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "invalid strategic merge patch") {
		t.Fatalf("got %v, want a 400 naming the invalid patch", err)
	}
}
