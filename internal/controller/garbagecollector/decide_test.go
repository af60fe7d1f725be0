package garbagecollector

import (
	"errors"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func ref(uid string) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "n-" + uid, UID: types.UID(uid)}
}

func TestDecide(t *testing.T) {
	a, b, c := ref("a"), ref("b"), ref("c")
	for _, tc := range []struct {
		name        string
		cl          classified
		hasDeps     bool
		depDeleting bool
		finalizers  []string
		want        decision
	}{
		{"solid owner keeps", classified{solid: []metav1.OwnerReference{a}}, false, false, nil, decision{action: keep}},
		{"dangling beside solid is patched away", classified{solid: []metav1.OwnerReference{a}, dangling: []metav1.OwnerReference{b}}, false, false, nil,
			decision{action: removeRefs, remove: []types.UID{"b"}}},
		{"waiting beside solid is patched away too", classified{solid: []metav1.OwnerReference{a}, dangling: []metav1.OwnerReference{b}, waiting: []metav1.OwnerReference{c}}, true, false, nil,
			decision{action: removeRefs, remove: []types.UID{"b", "c"}}},
		{"all dangling: background", classified{dangling: []metav1.OwnerReference{a, b}}, true, false, nil,
			decision{action: deleteObject, policy: metav1.DeletePropagationBackground}},
		{"all dangling honours an orphan finalizer", classified{dangling: []metav1.OwnerReference{a}}, false, false, []string{metav1.FinalizerOrphanDependents},
			decision{action: deleteObject, policy: metav1.DeletePropagationOrphan}},
		{"all dangling honours a foreground finalizer", classified{dangling: []metav1.OwnerReference{a}}, false, false, []string{"x", metav1.FinalizerDeleteDependents},
			decision{action: deleteObject, policy: metav1.DeletePropagationForeground}},
		{"waiting owner, no dependents: background", classified{waiting: []metav1.OwnerReference{a}}, false, false, nil,
			decision{action: deleteObject, policy: metav1.DeletePropagationBackground}},
		{"waiting owner with dependents: foreground", classified{waiting: []metav1.OwnerReference{a}, dangling: []metav1.OwnerReference{b}}, true, false, nil,
			decision{action: deleteObject, policy: metav1.DeletePropagationForeground}},
		{"waiting owner, dependent deleting in foreground: unblock first", classified{waiting: []metav1.OwnerReference{a}}, true, true, nil,
			decision{action: deleteObject, policy: metav1.DeletePropagationForeground, unblock: true}},
	} {
		got := decide(tc.cl, tc.hasDeps, tc.depDeleting, tc.finalizers)
		if got.action != tc.want.action || got.policy != tc.want.policy || got.unblock != tc.want.unblock || !slices.Equal(got.remove, tc.want.remove) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	states := map[types.UID]ownerState{"a": ownerSolid, "b": ownerDangling, "c": ownerWaiting}
	cl, err := classify([]metav1.OwnerReference{ref("a"), ref("b"), ref("c")}, func(r metav1.OwnerReference) (ownerState, error) {
		return states[r.UID], nil
	})
	if err != nil || len(cl.solid) != 1 || cl.solid[0].UID != "a" || len(cl.dangling) != 1 || cl.dangling[0].UID != "b" || len(cl.waiting) != 1 || cl.waiting[0].UID != "c" {
		t.Fatalf("classify: %+v %v", cl, err)
	}
	boom := errors.New("boom")
	if _, err := classify([]metav1.OwnerReference{ref("a")}, func(metav1.OwnerReference) (ownerState, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("lookup error not returned: %v", err)
	}
}

func TestOwnerStateOf(t *testing.T) {
	now := metav1.Now()
	for _, tc := range []struct {
		name string
		m    metav1.ObjectMeta
		want ownerState
	}{
		{"live", metav1.ObjectMeta{}, ownerSolid},
		{"foreground finalizer, not deleting yet", metav1.ObjectMeta{Finalizers: []string{metav1.FinalizerDeleteDependents}}, ownerSolid},
		{"deleting in background", metav1.ObjectMeta{DeletionTimestamp: &now, Finalizers: []string{"x"}}, ownerSolid},
		{"deleting in foreground", metav1.ObjectMeta{DeletionTimestamp: &now, Finalizers: []string{metav1.FinalizerDeleteDependents}}, ownerWaiting},
	} {
		if got := ownerStateOf(&metav1.PartialObjectMetadata{ObjectMeta: tc.m}); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
