package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Leaving out the unchanged parts must record exactly the managed fields
// the whole comparison records, whoever owned what before.
func TestWithoutUnchangedSameManagedFields(t *testing.T) {
	validating, trusted := podFieldManagers(t)
	cases := []struct {
		name    string
		sub     string
		change  func(p *corev1.Pod)
		trimmed bool
	}{
		{"status write", "status", func(p *corev1.Pod) {}, true},
		{"spec change, status kept", "", func(p *corev1.Pod) {
			p.Status = *p.Status.DeepCopy()
			p.Spec.Containers[0].Image = "i2"
			p.Labels["tier"] = "web"
		}, true},
		{"creator's field removed", "", func(p *corev1.Pod) {
			p.Status = *p.Status.DeepCopy()
			p.Spec.Containers[0].Env = nil
		}, true},
		{"creator's field taken over", "status", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
		}, true},
		{"labels only", "", func(p *corev1.Pod) {
			p.Status = *p.Status.DeepCopy()
			p.Labels = map[string]string{"app": "b"}
		}, true},
	}
	for _, c := range cases {
		for i, fm := range []*fieldManager{validating, trusted, validating, trusted} {
			live, updated := statusWrite()
			if i >= 2 {
				typicalSpec(live)
				typicalSpec(updated)
			}
			// The creator owns the spec and a status phase already set.
			live.Status.Phase = corev1.PodPending
			first := fm.pick("").UpdateNoErrors(&corev1.Pod{TypeMeta: live.TypeMeta}, live.DeepCopy(), "creator").(*corev1.Pod)
			live.ManagedFields = first.ManagedFields
			updated.ManagedFields = first.ManagedFields
			if c.name != "status write" && c.name != "creator's field taken over" {
				updated.Status = live.Status
			}
			c.change(updated)
			before := live.DeepCopy()

			whole := fm.pick(c.sub).UpdateNoErrors(live.DeepCopy(), updated.DeepCopy(), "writer").(*corev1.Pod)
			if _, _, ok := withoutUnchanged(live, updated); ok != c.trimmed {
				t.Fatalf("%s: left a part out = %v, want %v", c.name, ok, c.trimmed)
			}
			got, err := fm.Update(live, updated, "writer", c.sub)
			if err != nil {
				t.Fatal(err)
			}
			if got != runtime.Object(updated) {
				t.Errorf("%s: Update returned another object than the one written", c.name)
			}
			a, b := whole.ManagedFields, got.(*corev1.Pod).ManagedFields
			clearTimes(a)
			clearTimes(b)
			if len(a) == 0 || !equality.Semantic.DeepEqual(a, b) {
				t.Errorf("%s: managed fields differ:\nwhole   %v\ntrimmed %v", c.name, a, b)
			}
			if !equality.Semantic.DeepEqual(before, live) {
				t.Errorf("%s: the live object was modified", c.name)
			}
			if updated.Spec.Containers == nil || updated.Status.Phase == "" {
				t.Errorf("%s: the written object lost its parts: %+v", c.name, updated)
			}
		}
	}
}

func TestWithoutUnchangedLeavesOut(t *testing.T) {
	live, updated := statusWrite()
	l, o, ok := withoutUnchanged(live, updated)
	if !ok {
		t.Fatal("the equal spec was not left out")
	}
	lp, op := l.(*corev1.Pod), o.(*corev1.Pod)
	if lp.Spec.Containers != nil || op.Spec.Containers != nil {
		t.Errorf("spec kept: %v / %v", lp.Spec, op.Spec)
	}
	if op.Status.Phase != corev1.PodRunning || lp.Status.Phase != corev1.PodPending || op.Name != "p" || op.Labels["app"] != "a" {
		t.Errorf("changed parts or metadata lost: %+v / %+v", lp, op)
	}
	if live.Spec.Containers == nil || updated.Spec.Containers == nil {
		t.Error("the originals were modified")
	}

	// Nothing in common but the metadata, and parts empty on both sides.
	created := &corev1.Pod{TypeMeta: live.TypeMeta}
	if _, _, ok := withoutUnchanged(&corev1.Pod{TypeMeta: live.TypeMeta}, live); ok {
		t.Error("a create (empty live object) left a part out")
	}
	if _, _, ok := withoutUnchanged(created, created.DeepCopy()); ok {
		t.Error("empty parts were left out")
	}
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"a": "b"}}}
	if _, _, ok := withoutUnchanged(u, u.DeepCopy()); ok {
		t.Error("an unstructured object was trimmed")
	}
	if _, _, ok := withoutUnchanged(live, &corev1.Node{}); ok {
		t.Error("objects of two types were trimmed")
	}
}
