package daemonset

import (
	"reflect"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDaemonSetPlanNodes(t *testing.T) {
	deleting := dpod("deleting", "a", "h1", 0)
	deleting.DeletionTimestamp = &metav1.Time{Time: t0}
	failed := dpod("failed", "a", "h1", -1)
	failed.Status.Phase = v1.PodFailed
	succeeded := dpod("succeeded", "a", "h1", -1)
	succeeded.Status.Phase = v1.PodSucceeded
	older := dpod("older", "a", "h1", 0)
	older.CreationTimestamp = metav1.NewTime(t0.Add(-time.Minute))
	unbound := dpod("unbound", "", "h1", -1)
	unbound.Spec.Affinity = pinToNode(nil, "gone")
	boundGone := dpod("bound-gone", "gone", "h1", 0)
	noExec := v1.Taint{Key: "k", Effect: v1.TaintEffectNoExecute}
	noSched := v1.Taint{Key: "k", Effect: v1.TaintEffectNoSchedule}

	cases := []struct {
		name                  string
		nodes                 []*v1.Node
		pods                  []*v1.Pod
		create, del, fail, ok []string
	}{
		{"empty nodes get pods", nodes("a", "b"), nil, []string{"a", "b"}, nil, nil, nil},
		{"a node with a pod gets none", nodes("a", "b"), []*v1.Pod{dpod("p", "a", "h1", 0)}, []string{"b"}, nil, nil, nil},
		{"a pod being deleted blocks a new one", nodes("a"), []*v1.Pod{deleting}, nil, nil, nil, nil},
		{"failed pod goes (back-off decided later)", nodes("a"), []*v1.Pod{failed}, nil, nil, []string{"failed"}, nil},
		{"succeeded pod goes", nodes("a"), []*v1.Pod{succeeded}, nil, nil, nil, []string{"succeeded"}},
		{"duplicates: the oldest stays", nodes("a"), []*v1.Pod{dpod("newer", "a", "h1", 0), older}, nil, []string{"newer"}, nil, nil},
		{"ineligible node loses its pod", []*v1.Node{node("a", nil, noExec)}, []*v1.Pod{dpod("p", "a", "h1", 0)}, nil, []string{"p"}, nil, nil},
		{"NoSchedule taint: pod stays, none created", []*v1.Node{node("a", nil, noSched), node("b", nil, noSched)}, []*v1.Pod{dpod("p", "a", "h1", 0)}, nil, nil, nil, nil},
		{"unbound pod for a deleted node goes", nodes("a"), []*v1.Pod{dpod("p", "a", "h1", 0), unbound}, nil, []string{"unbound"}, nil, nil},
		{"bound pod on a deleted node is pod GC's", nodes("a"), []*v1.Pod{dpod("p", "a", "h1", 0), boundGone}, nil, nil, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := planNodes(testDS(), tc.nodes, byNode(tc.pods), "h1", now)
			check := func(what string, got, want []string) {
				if len(got) == 0 && len(want) == 0 {
					return
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("create", p.create, tc.create)
			check("delete", names(p.delete), tc.del)
			check("failed", names(p.failed), tc.fail)
			check("succeeded", names(p.succeeded), tc.ok)
		})
	}
}

func TestDaemonSetPlanNodesSurge(t *testing.T) {
	ds := testDS()
	one, zero := intstr.FromInt32(1), intstr.FromInt32(0)
	ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge, ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &one, &zero
	old := dpod("old", "a", "h0", time.Minute)
	old.CreationTimestamp = metav1.NewTime(t0.Add(-time.Hour))
	cases := []struct {
		name string
		pods []*v1.Pod
		del  []string
	}{
		{"new not ready: both stay", []*v1.Pod{old, dpod("new", "a", "h1", -1)}, nil},
		{"new available: old goes", []*v1.Pod{old, dpod("new", "a", "h1", time.Second)}, []string{"old"}},
		{"two new: the younger goes", []*v1.Pod{old, dpod("new", "a", "h1", -1), dpod("new2", "a", "h1", -1)}, []string{"new2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := planNodes(ds, nodes("a"), byNode(tc.pods), "h1", now)
			if got := names(p.delete); !(len(got) == 0 && len(tc.del) == 0) && !reflect.DeepEqual(got, tc.del) {
				t.Errorf("delete = %v, want %v", got, tc.del)
			}
			if len(p.create) != 0 {
				t.Errorf("create = %v", p.create)
			}
		})
	}
}

func TestDaemonSetByNodeSkipsFinishedDeleting(t *testing.T) {
	gone := dpod("gone", "a", "h1", -1)
	gone.Status.Phase = v1.PodFailed
	gone.DeletionTimestamp = &metav1.Time{Time: t0}
	m := byNode([]*v1.Pod{gone, dpod("p", "b", "h1", 0)})
	if _, ok := m["a"]; ok || len(m["b"]) != 1 {
		t.Errorf("byNode = %v", m)
	}
}
