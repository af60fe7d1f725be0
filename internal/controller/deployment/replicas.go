package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file is the arithmetic of a rollout: how far a Deployment may
// surge above and dip below its size, and how many replicas each
// ReplicaSet gets. Everything here is pure.

// resolveFenceposts turns maxSurge and maxUnavailable into numbers for
// desired replicas: surge rounds up, unavailable rounds down, and when
// both come out 0 one pod may be unavailable (else nothing could move).
func resolveFenceposts(maxSurge, maxUnavailable *intstr.IntOrString, desired int32) (surge, unavailable int32) {
	s, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(maxSurge, intstr.FromInt32(0)), int(desired), true)
	if err != nil {
		s = 0
	}
	u, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(maxUnavailable, intstr.FromInt32(0)), int(desired), false)
	if err != nil {
		u = 0
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u)
}

func isRollingUpdate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType && d.Spec.Strategy.RollingUpdate != nil
}

// MaxSurge is how many pods a rolling update may run above spec.replicas.
func MaxSurge(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) {
		return 0
	}
	s, _ := resolveFenceposts(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable, *d.Spec.Replicas)
	return s
}

// MaxUnavailable is how many of spec.replicas may be unavailable during
// a rolling update (never more than spec.replicas).
func MaxUnavailable(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) || *d.Spec.Replicas == 0 {
		return 0
	}
	_, u := resolveFenceposts(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable, *d.Spec.Replicas)
	return min(u, *d.Spec.Replicas)
}

// specReplicas sums spec.replicas over rss (nil entries skipped).
func specReplicas(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil && rs.Spec.Replicas != nil {
			n += *rs.Spec.Replicas
		}
	}
	return n
}

// statusSum sums a status field over rss (nil entries skipped).
func statusSum(rss []*appsv1.ReplicaSet, f func(*appsv1.ReplicaSetStatus) int32) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += f(&rs.Status)
		}
	}
	return n
}

func actualReplicas(s *appsv1.ReplicaSetStatus) int32    { return s.Replicas }
func readyReplicas(s *appsv1.ReplicaSetStatus) int32     { return s.ReadyReplicas }
func availableReplicas(s *appsv1.ReplicaSetStatus) int32 { return s.AvailableReplicas }

func replicas(rs *appsv1.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

// active keeps the ReplicaSets that want pods.
func active(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != nil && replicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// newRSReplicas is the size the new ReplicaSet should grow to now: all of
// spec.replicas for Recreate; for a rolling update as much as the surge
// allows over the pods all ReplicaSets ask for.
func newRSReplicas(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	if !isRollingUpdate(d) {
		return *d.Spec.Replicas
	}
	maxTotal := *d.Spec.Replicas + MaxSurge(d)
	current := specReplicas(all)
	if current >= maxTotal {
		return replicas(newRS)
	}
	up := min(maxTotal-current, *d.Spec.Replicas-replicas(newRS))
	return replicas(newRS) + up
}

// scaleOp sets one ReplicaSet's spec.replicas.
type scaleOp struct {
	RS   *appsv1.ReplicaSet
	Size int32
}

// planOldScaleDown is how a rolling update shrinks the old ReplicaSets
// in one step, as upstream: first it removes old replicas that are not
// available (oldest ReplicaSet first), up to what the availability budget
// allows; then it scales old ReplicaSets down (oldest first) as far as
// available pods above spec.replicas - maxUnavailable allow.
func planOldScaleDown(d *appsv1.Deployment, all, old []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) []scaleOp {
	if specReplicas(old) == 0 {
		return nil
	}
	minAvailable := *d.Spec.Replicas - MaxUnavailable(d)
	newUnavailable := replicas(newRS)
	if newRS != nil {
		newUnavailable -= newRS.Status.AvailableReplicas
	}
	budget := specReplicas(all) - minAvailable - newUnavailable
	if budget <= 0 {
		return nil
	}
	sizes := map[*appsv1.ReplicaSet]int32{}
	size := func(rs *appsv1.ReplicaSet) int32 {
		if s, ok := sizes[rs]; ok {
			return s
		}
		return replicas(rs)
	}
	old = byAge(old)
	// Unhealthy replicas first: removing them costs no availability.
	var cleaned int32
	for _, rs := range old {
		if cleaned >= budget {
			break
		}
		unhealthy := size(rs) - rs.Status.AvailableReplicas
		if size(rs) == 0 || unhealthy <= 0 {
			continue
		}
		n := min(budget-cleaned, unhealthy)
		sizes[rs] = size(rs) - n
		cleaned += n
	}
	// Then available ones, down to minAvailable. A ReplicaSet counts at
	// most its spec.replicas available: just after a scale-down its
	// status still counts the pods being removed, and taking those for
	// available would let old ones go below the floor (upstream counts
	// the status as is; the cap only matters while the status lags).
	var availableNow int32
	for _, rs := range append(append([]*appsv1.ReplicaSet{}, old...), newRS) {
		if rs != nil {
			availableNow += min(rs.Status.AvailableReplicas, replicas(rs))
		}
	}
	if availableNow > minAvailable {
		want := availableNow - minAvailable
		var done int32
		for _, rs := range old {
			if done >= want {
				break
			}
			if size(rs) == 0 {
				continue
			}
			n := min(size(rs), want-done)
			sizes[rs] = size(rs) - n
			done += n
		}
	}
	var ops []scaleOp
	for _, rs := range old {
		if s, ok := sizes[rs]; ok && s != replicas(rs) {
			ops = append(ops, scaleOp{rs, s})
		}
	}
	return ops
}

// findActiveOrLatest is the one ReplicaSet that has replicas when only
// one does (or, when none does, the new or else the newest one); nil when
// several have replicas.
func findActiveOrLatest(newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	if newRS == nil && len(old) == 0 {
		return nil
	}
	old = byAge(old)
	all := active(append(append([]*appsv1.ReplicaSet{}, old...), newRS))
	switch len(all) {
	case 0:
		if newRS != nil {
			return newRS
		}
		return old[len(old)-1]
	case 1:
		return all[0]
	}
	return nil
}

// isSaturated: the new ReplicaSet has all of the Deployment's replicas,
// was told so, and they are all available.
func isSaturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	desired, ok := annotatedInt(rs, DesiredReplicasAnnotation)
	return ok && replicas(rs) == *d.Spec.Replicas && desired == *d.Spec.Replicas && rs.Status.AvailableReplicas == *d.Spec.Replicas
}

// planCleanup picks the old ReplicaSets to delete beyond
// revisionHistoryLimit: lowest revisions first, only those fully scaled
// down (spec, status and observed generation) and not being deleted.
func planCleanup(d *appsv1.Deployment, old []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range old {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return nil
	}
	var out []*appsv1.ReplicaSet
	for _, rs := range byRevision(alive)[:diff] {
		if rs.Status.Replicas != 0 || replicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		out = append(out, rs)
	}
	return out
}
