package deployment

import (
	"math"

	appsv1 "k8s.io/api/apps/v1"
)

// planProportionalScale spreads a change of spec.replicas in the middle
// of a rolling update over the active ReplicaSets in proportion to their
// sizes (the largest absorbs rounding leftovers), so that a rollout
// neither speeds up nor loses its place. It returns the new size of every
// active ReplicaSet and whether that is scaling "up" or "down" ("" when
// nothing is to add).
func planProportionalScale(d *appsv1.Deployment, all []*appsv1.ReplicaSet) ([]scaleOp, string) {
	all = active(all)
	var allowed int32
	if *d.Spec.Replicas > 0 {
		allowed = *d.Spec.Replicas + MaxSurge(d)
	}
	toAdd := allowed - specReplicas(all)
	op := ""
	switch {
	case toAdd > 0:
		sortBySizeNewer(all)
		op = "up"
	case toAdd < 0:
		sortBySizeOlder(all)
		op = "down"
	}
	ops := make([]scaleOp, len(all))
	var added int32
	for i, rs := range all {
		ops[i] = scaleOp{rs, replicas(rs)}
		if toAdd != 0 {
			p := proportion(rs, d, toAdd, added)
			ops[i].Size += p
			added += p
		}
	}
	if len(ops) > 0 && toAdd != 0 {
		ops[0].Size = max(0, ops[0].Size+toAdd-added)
	}
	return ops, op
}

// proportion is rs's share of toAdd, of which added is already handed
// out: its size times the new over the old Deployment size, capped by
// what is left.
func proportion(rs *appsv1.ReplicaSet, d *appsv1.Deployment, toAdd, added int32) int32 {
	if replicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	f := fraction(rs, d)
	left := toAdd - added
	if toAdd > 0 {
		return min(f, left)
	}
	return max(f, left)
}

// fraction is how many replicas rs gains (or loses) when it is scaled
// from the size it was sized for (its max-replicas annotation, else the
// Deployment's status.replicas) to the new spec.replicas + maxSurge.
func fraction(rs *appsv1.ReplicaSet, d *appsv1.Deployment) int32 {
	if *d.Spec.Replicas == 0 {
		return -replicas(rs)
	}
	newTotal := *d.Spec.Replicas + MaxSurge(d)
	oldTotal, ok := annotatedInt(rs, MaxReplicasAnnotation)
	if !ok {
		oldTotal = d.Status.Replicas
	}
	if oldTotal == 0 {
		return 0
	}
	size := float64(replicas(rs)*newTotal) / float64(oldTotal)
	return int32(math.Floor(size+0.5)) - replicas(rs)
}
