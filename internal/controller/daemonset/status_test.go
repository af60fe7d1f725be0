package daemonset

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDaemonSetComputeStatus(t *testing.T) {
	ds := testDS()
	ds.Spec.MinReadySeconds = 60
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"run": "yes"}
	yes := map[string]string{"run": "yes"}
	ns := []*v1.Node{node("a", yes), node("b", yes), node("c", yes), node("d", yes), node("x", nil)}
	dup := dpod("a-dup", "a", "h0", -1)
	dup.CreationTimestamp = metav1.NewTime(t0.Add(time.Minute)) // younger: a1 stands for node a
	ps := []*v1.Pod{
		dpod("a1", "a", "h1", 2*time.Minute), // updated, available
		dup,
		dpod("b0", "b", "h0", 10*time.Second), // old, ready, not yet available
		dpod("c1", "c", "h1", -1),             // updated, not ready
		dpod("x0", "x", "h0", time.Hour),      // misscheduled
	}
	got := computeStatus(ds, ns, byNode(ps), "h1", now)
	want := counts{desired: 4, current: 3, misscheduled: 1, ready: 2, updated: 2, available: 1, unavailable: 3}
	if got != want {
		t.Errorf("status = %+v\nwant     %+v", got, want)
	}
}

func TestDaemonSetSameStatus(t *testing.T) {
	c := counts{desired: 2, current: 2, ready: 2, updated: 2, available: 2}
	s := appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, NumberReady: 2, UpdatedNumberScheduled: 2, NumberAvailable: 2, ObservedGeneration: 3}
	if !sameStatus(&s, c, 3, true) {
		t.Error("equal status reported different")
	}
	if sameStatus(&s, c, 4, true) {
		t.Error("new generation not observed yet, reported same")
	}
	// A sync that does not observe the generation has nothing to write.
	if !sameStatus(&s, c, 4, false) {
		t.Error("unobserved generation forces a write of equal counts")
	}
	c.ready = 1
	if sameStatus(&s, c, 3, true) {
		t.Error("ready changed, reported same")
	}
}
