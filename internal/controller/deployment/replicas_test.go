package deployment

import (
	"maps"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDeploymentResolveFenceposts(t *testing.T) {
	for _, tc := range []struct {
		surge, unavailable string
		desired            int32
		wantS, wantU       int32
	}{
		{"25%", "25%", 10, 3, 2}, // surge rounds up, unavailable down
		{"25%", "25%", 4, 1, 1},
		{"25%", "25%", 1, 1, 0},
		{"0", "0", 5, 0, 1}, // both zero: one may be unavailable
		{"0%", "0%", 5, 0, 1},
		{"1", "0", 3, 1, 0},
		{"0", "2", 3, 0, 2},
		{"50%", "50%", 3, 2, 1},
		{"100%", "0%", 0, 0, 1},
	} {
		s, u := intstr.Parse(tc.surge), intstr.Parse(tc.unavailable)
		gotS, gotU := resolveFenceposts(&s, &u, tc.desired)
		if gotS != tc.wantS || gotU != tc.wantU {
			t.Errorf("resolveFenceposts(%s, %s, %d) = %d, %d; want %d, %d", tc.surge, tc.unavailable, tc.desired, gotS, gotU, tc.wantS, tc.wantU)
		}
	}
}

func TestDeploymentMaxUnavailableCapsAtReplicas(t *testing.T) {
	d := deploy(2, "0", "5")
	if got := MaxUnavailable(d); got != 2 {
		t.Errorf("MaxUnavailable = %d, want 2", got)
	}
	d = deploy(0, "0", "5")
	if got := MaxUnavailable(d); got != 0 {
		t.Errorf("MaxUnavailable of 0 replicas = %d, want 0", got)
	}
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if MaxSurge(d) != 0 || MaxUnavailable(d) != 0 {
		t.Error("Recreate has no surge or unavailability budget")
	}
}

func TestDeploymentNewRSReplicas(t *testing.T) {
	for _, tc := range []struct {
		name     string
		d        *appsv1.Deployment
		newSize  int32
		oldSizes []int32
		want     int32
	}{
		{"first rollout fills up to replicas", deploy(10, "25%", "25%"), 0, nil, 10},
		{"surge on top of old", deploy(10, "25%", "25%"), 0, []int32{10}, 3},
		{"no room left", deploy(10, "25%", "25%"), 3, []int32{10}, 3},
		{"room after old shrank", deploy(10, "25%", "25%"), 3, []int32{8}, 5},
		{"never above replicas", deploy(10, "25%", "25%"), 9, []int32{1}, 10},
		{"no surge", deploy(4, "0", "1"), 0, []int32{4}, 0},
	} {
		newRS := rs("new", tc.newSize, 0, 10, 2)
		all := []*appsv1.ReplicaSet{newRS}
		for i, n := range tc.oldSizes {
			all = append(all, rs("old"+string(rune('a'+i)), n, n, i, 1))
		}
		if got := newRSReplicas(tc.d, all, newRS); got != tc.want {
			t.Errorf("%s: newRSReplicas = %d, want %d", tc.name, got, tc.want)
		}
	}
	d := deploy(7, "25%", "25%")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if got := newRSReplicas(d, nil, rs("new", 0, 0, 0, 1)); got != 7 {
		t.Errorf("Recreate: newRSReplicas = %d, want 7", got)
	}
}

func TestDeploymentPlanOldScaleDown(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *appsv1.Deployment
		new  *appsv1.ReplicaSet
		old  []*appsv1.ReplicaSet
		want map[string]int32
	}{
		{
			name: "scale down as far as min available allows",
			d:    deploy(10, "3", "2"),
			new:  rs("new", 3, 3, 10, 2),
			old:  []*appsv1.ReplicaSet{rs("old", 10, 10, 0, 1)},
			want: map[string]int32{"old": 5}, // 13 available - 8 min
		},
		{
			name: "new pods not yet available hold the old back",
			d:    deploy(10, "3", "2"),
			new:  rs("new", 3, 0, 10, 2),
			old:  []*appsv1.ReplicaSet{rs("old", 10, 10, 0, 1)},
			want: map[string]int32{"old": 8},
		},
		{
			name: "stalled: broken new pods, old at the floor",
			d:    deploy(10, "3", "2"),
			new:  rs("new", 5, 0, 10, 2),
			old:  []*appsv1.ReplicaSet{rs("old", 8, 8, 0, 1)},
			want: map[string]int32{},
		},
		{
			name: "unhealthy old replicas go first, oldest set first",
			d:    deploy(4, "1", "1"),
			new:  rs("new", 1, 1, 10, 3),
			old: []*appsv1.ReplicaSet{
				rs("older", 2, 0, 0, 1), // two unavailable pods
				rs("old", 2, 2, 5, 2),
			},
			// budget 5-3-0 = 2: both unhealthy older pods go; then 3
			// available - 3 min = 0 more.
			want: map[string]int32{"older": 0},
		},
		{
			name: "cleanup then scale down available ones",
			d:    deploy(4, "1", "1"),
			new:  rs("new", 2, 2, 10, 3),
			old: []*appsv1.ReplicaSet{
				rs("older", 1, 0, 0, 1),
				rs("old", 2, 2, 5, 2),
			},
			// budget 5-3 = 2: the unhealthy pod; then 4 available - 3 = 1.
			want: map[string]int32{"older": 0, "old": 1},
		},
		{
			// Just scaled 14 → 5, the status still says 14 available:
			// only 5 will be, so 2 may go (5 + 0 - 3), not 11.
			name: "a lagging status does not count pods being removed",
			d:    deploy(5, "3", "2"),
			new:  rs("new", 3, 0, 10, 2),
			old:  []*appsv1.ReplicaSet{func() *appsv1.ReplicaSet { r := rs("old", 5, 14, 0, 1); r.Status.Replicas = 14; return r }()},
			want: map[string]int32{"old": 3},
		},
		{
			name: "nothing old",
			d:    deploy(4, "1", "1"),
			new:  rs("new", 4, 4, 10, 3),
			old:  []*appsv1.ReplicaSet{rs("old", 0, 0, 5, 2)},
			want: map[string]int32{},
		},
	} {
		all := append(append([]*appsv1.ReplicaSet{}, tc.old...), tc.new)
		got := sizes(planOldScaleDown(tc.d, all, active(tc.old), tc.new))
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: planOldScaleDown = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A rolling update simulated step by step with pods becoming available
// at once keeps available pods >= replicas - maxUnavailable and total pods
// <= replicas + maxSurge, and ends with everything on the new set.
func TestDeploymentRollingStepsKeepBounds(t *testing.T) {
	for _, tc := range []struct {
		n                  int32
		surge, unavailable string
		newAvailable       bool
	}{
		{10, "25%", "25%", true}, {10, "0", "1", true}, {10, "3", "0", true}, {5, "1", "0", true},
		{10, "25%", "25%", false}, {4, "1", "1", false},
	} {
		d := deploy(tc.n, tc.surge, tc.unavailable)
		old := rs("old", tc.n, tc.n, 0, 1)
		newRS := rs("new", 0, 0, 10, 2)
		minAvail, maxTotal := tc.n-MaxUnavailable(d), tc.n+MaxSurge(d)
		for step := 0; step < 100; step++ {
			all := []*appsv1.ReplicaSet{old, newRS}
			if n := newRSReplicas(d, all, newRS); n != replicas(newRS) {
				*newRS.Spec.Replicas = n
			} else {
				for _, o := range planOldScaleDown(d, all, active([]*appsv1.ReplicaSet{old}), newRS) {
					*o.RS.Spec.Replicas = o.Size
				}
			}
			// Pods follow: old ones go at once, new ones come up.
			old.Status.Replicas, old.Status.AvailableReplicas = *old.Spec.Replicas, *old.Spec.Replicas
			newRS.Status.Replicas = *newRS.Spec.Replicas
			if tc.newAvailable {
				newRS.Status.AvailableReplicas = *newRS.Spec.Replicas
			}
			if total := specReplicas(all); total > maxTotal {
				t.Fatalf("%+v step %d: %d pods > %d", tc, step, total, maxTotal)
			}
			if avail := statusSum(all, availableReplicas); avail < minAvail {
				t.Fatalf("%+v step %d: %d available < %d", tc, step, avail, minAvail)
			}
		}
		if tc.newAvailable && (replicas(old) != 0 || replicas(newRS) != tc.n) {
			t.Errorf("%+v: ended at old %d new %d", tc, replicas(old), replicas(newRS))
		}
		if !tc.newAvailable && replicas(old) != minAvail {
			t.Errorf("%+v: stalled rollout left old at %d, want %d", tc, replicas(old), minAvail)
		}
	}
}

func TestDeploymentProportionalScale(t *testing.T) {
	withMax := func(r *appsv1.ReplicaSet, max string) *appsv1.ReplicaSet {
		r.Annotations[MaxReplicasAnnotation] = max
		return r
	}
	for _, tc := range []struct {
		name    string
		d       *appsv1.Deployment
		rss     []*appsv1.ReplicaSet
		want    map[string]int32
		wantDir string
	}{
		{
			// 10 → 20 replicas mid-rollout, surge 3: the sets were sized
			// for 13 and now for 23.
			name:    "scale up spreads by size",
			d:       deploy(20, "3", "2"),
			rss:     []*appsv1.ReplicaSet{withMax(rs("old", 8, 8, 0, 1), "13"), withMax(rs("new", 5, 0, 10, 2), "13")},
			want:    map[string]int32{"old": 14, "new": 9},
			wantDir: "up",
		},
		{
			name:    "scale down, leftovers to the largest",
			d:       deploy(5, "1", "0"),
			rss:     []*appsv1.ReplicaSet{withMax(rs("old", 6, 6, 0, 1), "11"), withMax(rs("new", 5, 0, 10, 2), "11")},
			want:    map[string]int32{"old": 3, "new": 3},
			wantDir: "down",
		},
		{
			name:    "to zero",
			d:       deploy(0, "1", "0"),
			rss:     []*appsv1.ReplicaSet{withMax(rs("old", 3, 3, 0, 1), "5"), withMax(rs("new", 2, 0, 10, 2), "5")},
			want:    map[string]int32{"old": 0, "new": 0},
			wantDir: "down",
		},
	} {
		ops, dir := planProportionalScale(tc.d, tc.rss)
		got := sizes(ops)
		if !maps.Equal(got, tc.want) || dir != tc.wantDir {
			t.Errorf("%s: got %v %q, want %v %q", tc.name, got, dir, tc.want, tc.wantDir)
		}
		var total int32
		for _, n := range got {
			total += n
		}
		allowed := int32(0)
		if *tc.d.Spec.Replicas > 0 {
			allowed = *tc.d.Spec.Replicas + MaxSurge(tc.d)
		}
		if total != allowed {
			t.Errorf("%s: total %d, want %d", tc.name, total, allowed)
		}
	}
}

func TestDeploymentFindActiveOrLatest(t *testing.T) {
	a, b, n := rs("a", 0, 0, 0, 1), rs("b", 0, 0, 5, 2), rs("n", 0, 0, 9, 3)
	if got := findActiveOrLatest(nil, []*appsv1.ReplicaSet{b, a}); got != b {
		t.Errorf("none active, no new: got %v, want newest old b", got.Name)
	}
	if got := findActiveOrLatest(n, []*appsv1.ReplicaSet{a, b}); got != n {
		t.Errorf("none active: got %v, want new", got.Name)
	}
	*a.Spec.Replicas = 2
	if got := findActiveOrLatest(n, []*appsv1.ReplicaSet{a, b}); got != a {
		t.Errorf("one active: got %v, want a", got)
	}
	*n.Spec.Replicas = 1
	if got := findActiveOrLatest(n, []*appsv1.ReplicaSet{a, b}); got != nil {
		t.Errorf("two active: got %v, want nil", got.Name)
	}
}

func TestDeploymentIsSaturated(t *testing.T) {
	d := deploy(3, "1", "0")
	r := rs("n", 3, 3, 0, 1)
	if isSaturated(d, r) {
		t.Error("saturated without desired-replicas annotation")
	}
	r.Annotations[DesiredReplicasAnnotation] = "3"
	if !isSaturated(d, r) {
		t.Error("not saturated with 3/3 available and annotation 3")
	}
	r.Status.AvailableReplicas = 2
	if isSaturated(d, r) {
		t.Error("saturated with 2/3 available")
	}
}

func TestDeploymentPlanCleanup(t *testing.T) {
	d := deploy(3, "1", "0")
	d.Spec.RevisionHistoryLimit = ptr(int32(1))
	old := []*appsv1.ReplicaSet{rs("r3", 0, 0, 3, 3), rs("r1", 0, 0, 1, 1), rs("r2", 0, 0, 2, 2), rs("busy", 1, 1, 0, 4)}
	got := planCleanup(d, old)
	var names []string
	for _, r := range got {
		names = append(names, r.Name)
	}
	// 4 alive, limit 1: the 3 lowest revisions (r1, r2, r3) are
	// candidates; all are scaled down, busy (rev 4) is kept anyway.
	if len(names) != 3 || names[0] != "r1" || names[1] != "r2" || names[2] != "r3" {
		t.Errorf("planCleanup = %v, want [r1 r2 r3]", names)
	}
	old[1].Generation, old[1].Status.ObservedGeneration = 2, 1 // r1: scale-down not yet observed
	if got := planCleanup(d, old); len(got) != 2 {
		t.Errorf("planCleanup with r1 unobserved = %d sets, want 2", len(got))
	}
	d.Spec.RevisionHistoryLimit = nil
	if got := planCleanup(d, old); got != nil {
		t.Errorf("no limit: %v", got)
	}
}
