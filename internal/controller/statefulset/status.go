package statefulset

import (
	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
)

// countStatus counts the pods as upstream does: replicas are created pods
// (a pod about to be created does not count yet), ready ones are Running
// and Ready, available ones ready for minReadySeconds; current and updated
// count pods not being deleted by their revision label.
func countStatus(w world, lists ...[]*v1.Pod) appsv1.StatefulSetStatus {
	set := w.set
	// The collision count is the caller's: revisions are made there.
	st := appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    w.current,
		UpdateRevision:     w.update,
	}
	for _, ps := range lists {
		for _, p := range ps {
			if !isCreated(p) {
				continue
			}
			st.Replicas++
			if isRunningAndReady(p) {
				st.ReadyReplicas++
				if isRunningAndAvailable(p, set.Spec.MinReadySeconds, w.now) {
					st.AvailableReplicas++
				}
			}
			if isTerminating(p) {
				continue
			}
			if revisionOf(p) == w.current {
				st.CurrentReplicas++
			}
			if revisionOf(p) == w.update {
				st.UpdatedReplicas++
			}
		}
	}
	return st
}

// completeRollingUpdate: once every wanted replica exists, is updated and
// ready, the update revision becomes the current one.
func completeRollingUpdate(set *appsv1.StatefulSet, st *appsv1.StatefulSetStatus) {
	n := int32(replicaCount(set))
	if set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType &&
		st.UpdatedReplicas == n && st.ReadyReplicas == n && st.Replicas == n {
		st.CurrentReplicas = st.UpdatedReplicas
		st.CurrentRevision = st.UpdateRevision
	}
}

// statusChanged: the status must be written.
func statusChanged(old, cur *appsv1.StatefulSetStatus) bool {
	oldCC, curCC := int32(0), int32(0)
	if old.CollisionCount != nil {
		oldCC = *old.CollisionCount
	}
	if cur.CollisionCount != nil {
		curCC = *cur.CollisionCount
	}
	return cur.ObservedGeneration > old.ObservedGeneration ||
		cur.Replicas != old.Replicas ||
		cur.ReadyReplicas != old.ReadyReplicas ||
		cur.AvailableReplicas != old.AvailableReplicas ||
		cur.CurrentReplicas != old.CurrentReplicas ||
		cur.UpdatedReplicas != old.UpdatedReplicas ||
		cur.CurrentRevision != old.CurrentRevision ||
		cur.UpdateRevision != old.UpdateRevision ||
		oldCC != curCC || old.CollisionCount == nil
}
