package daemonset

import (
	"reflect"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDaemonSetRollingWithoutSurge(t *testing.T) {
	cases := []struct {
		name           string
		maxUnavailable intstr.IntOrString
		pods           []*v1.Pod
		del            []string
	}{
		{"one at a time", intstr.FromInt32(1),
			[]*v1.Pod{dpod("a0", "a", "h0", time.Hour), dpod("b0", "b", "h0", time.Hour), dpod("c0", "c", "h0", time.Hour)},
			[]string{"a0"}},
		{"two at a time", intstr.FromInt32(2),
			[]*v1.Pod{dpod("a0", "a", "h0", time.Hour), dpod("b0", "b", "h0", time.Hour), dpod("c0", "c", "h0", time.Hour)},
			[]string{"a0", "b0"}},
		{"percent rounds up", intstr.FromString("10%"),
			[]*v1.Pod{dpod("a0", "a", "h0", time.Hour), dpod("b0", "b", "h0", time.Hour), dpod("c0", "c", "h0", time.Hour)},
			[]string{"a0"}},
		{"new pod not ready uses the budget", intstr.FromInt32(1),
			[]*v1.Pod{dpod("a1", "a", "h1", -1), dpod("b0", "b", "h0", time.Hour), dpod("c0", "c", "h0", time.Hour)},
			nil},
		{"node without a pod uses the budget", intstr.FromInt32(1),
			[]*v1.Pod{dpod("b0", "b", "h0", time.Hour), dpod("c0", "c", "h0", time.Hour)},
			nil},
		{"unavailable old pods always go", intstr.FromInt32(1),
			[]*v1.Pod{dpod("a1", "a", "h1", -1), dpod("b0", "b", "h0", -1), dpod("c0", "c", "h0", time.Hour)},
			[]string{"b0"}},
		{"next once the new one is available", intstr.FromInt32(1),
			[]*v1.Pod{dpod("a1", "a", "h1", time.Minute), dpod("b0", "b", "h0", time.Hour), dpod("c0", "c", "h0", time.Hour)},
			[]string{"b0"}},
		{"all updated: nothing", intstr.FromInt32(1),
			[]*v1.Pod{dpod("a1", "a", "h1", time.Minute), dpod("b1", "b", "h1", time.Hour), dpod("c1", "c", "h1", time.Hour)},
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds := testDS()
			ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &tc.maxUnavailable
			del, create := planRollingUpdate(ds, nodes("a", "b", "c"), byNode(tc.pods), "h1", now)
			if len(create) != 0 {
				t.Errorf("create = %v", create)
			}
			if got := names(del); !(len(got) == 0 && len(tc.del) == 0) && !reflect.DeepEqual(got, tc.del) {
				t.Errorf("delete = %v, want %v", got, tc.del)
			}
		})
	}
}

func TestDaemonSetRollingMinReadySeconds(t *testing.T) {
	ds := testDS()
	ds.Spec.MinReadySeconds = 30
	// a1 ready 10 s: not yet available, so it holds the one unavailable slot.
	del, _ := planRollingUpdate(ds, nodes("a", "b"), byNode([]*v1.Pod{dpod("a1", "a", "h1", 10*time.Second), dpod("b0", "b", "h0", time.Hour)}), "h1", now)
	if len(del) != 0 {
		t.Errorf("delete = %v, want none before minReadySeconds", names(del))
	}
	del, _ = planRollingUpdate(ds, nodes("a", "b"), byNode([]*v1.Pod{dpod("a1", "a", "h1", 31*time.Second), dpod("b0", "b", "h0", time.Hour)}), "h1", now)
	if !reflect.DeepEqual(names(del), []string{"b0"}) {
		t.Errorf("delete = %v, want [b0]", names(del))
	}
}

func TestDaemonSetRollingWithSurge(t *testing.T) {
	cases := []struct {
		name     string
		maxSurge intstr.IntOrString
		nodes    []string
		pods     []*v1.Pod
		create   []string
		del      []string
	}{
		{"surge one node", intstr.FromInt32(1), []string{"a", "b", "c"},
			[]*v1.Pod{dpod("a0", "a", "h0", time.Hour), dpod("b0", "b", "h0", time.Hour), dpod("c0", "c", "h0", time.Hour)},
			[]string{"a"}, nil},
		{"surge by percent", intstr.FromString("50%"), []string{"a", "b", "c"},
			[]*v1.Pod{dpod("a0", "a", "h0", time.Hour), dpod("b0", "b", "h0", time.Hour), dpod("c0", "c", "h0", time.Hour)},
			[]string{"a", "b"}, nil},
		{"waiting for the new pod", intstr.FromInt32(1), []string{"a", "b"},
			[]*v1.Pod{dpod("a0", "a", "h0", time.Hour), dpod("a1", "a", "h1", -1), dpod("b0", "b", "h0", time.Hour)},
			nil, nil},
		{"new available: old deleted, next surges", intstr.FromInt32(1), []string{"a", "b"},
			[]*v1.Pod{dpod("a0", "a", "h0", time.Hour), dpod("a1", "a", "h1", time.Minute), dpod("b0", "b", "h0", time.Hour)},
			[]string{"b"}, []string{"a0"}},
		{"unavailable old pod replaced beyond the surge", intstr.FromInt32(1), []string{"a", "b"},
			[]*v1.Pod{dpod("a0", "a", "h0", time.Hour), dpod("a1", "a", "h1", -1), dpod("b0", "b", "h0", -1)},
			[]string{"b"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds := testDS()
			zero := intstr.FromInt32(0)
			ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge, ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &tc.maxSurge, &zero
			del, create := planRollingUpdate(ds, nodes(tc.nodes...), byNode(tc.pods), "h1", now)
			if !(len(create) == 0 && len(tc.create) == 0) && !reflect.DeepEqual(create, tc.create) {
				t.Errorf("create = %v, want %v", create, tc.create)
			}
			if got := names(del); !(len(got) == 0 && len(tc.del) == 0) && !reflect.DeepEqual(got, tc.del) {
				t.Errorf("delete = %v, want %v", got, tc.del)
			}
		})
	}
}

func TestDaemonSetRollingLimits(t *testing.T) {
	ds := testDS()
	zero := intstr.FromInt32(0)
	ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &zero
	// Neither surge nor unavailability: upstream falls back to one unavailable.
	if s, u, d := rollingLimits(ds, nodes("a", "b")); s != 0 || u != 1 || d != 2 {
		t.Errorf("limits = %d, %d, %d; want 0, 1, 2", s, u, d)
	}
	pct := intstr.FromString("25%")
	ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &pct
	if _, u, _ := rollingLimits(ds, nodes("a", "b", "c", "d", "e")); u != 2 {
		t.Errorf("25%% of 5 = %d, want 2 (rounded up)", u)
	}
}
