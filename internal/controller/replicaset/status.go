package replicaset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"orca/internal/controller/pods"
)

// Reasons of the ReplicaFailure condition (upstream's).
const (
	reasonFailedCreate = "FailedCreate"
	reasonFailedDelete = "FailedDelete"
)

// computeStatus is the status of rs owning the active pods owned, after a
// reconcile whose pod creations or deletions failed with manageErr (nil
// when they worked or none were needed).
func computeStatus(rs *appsv1.ReplicaSet, owned []*v1.Pod, manageErr error, now time.Time) appsv1.ReplicaSetStatus {
	s := appsv1.ReplicaSetStatus{
		Replicas:           int32(len(owned)),
		ObservedGeneration: rs.Generation,
		Conditions:         failureCondition(rs, len(owned), manageErr, now),
	}
	template := labels.SelectorFromSet(rs.Spec.Template.Labels)
	for _, p := range owned {
		if template.Matches(labels.Set(p.Labels)) {
			s.FullyLabeledReplicas++
		}
		if pods.IsReady(p) {
			s.ReadyReplicas++
		}
		if pods.IsAvailable(p, rs.Spec.MinReadySeconds, now) {
			s.AvailableReplicas++
		}
	}
	return s
}

// terminatingOwned counts the pods rs controls (ownedByRS) that match its
// selector, are being deleted and have not finished: status
// .terminatingReplicas, which a rollout reads to see pods still going away.
func terminatingOwned(sel labels.Selector, ownedByRS []*v1.Pod) *int32 {
	var n int32
	for _, p := range ownedByRS {
		if p.DeletionTimestamp != nil && p.Status.Phase != v1.PodSucceeded && p.Status.Phase != v1.PodFailed && sel.Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	return &n
}

// failureCondition sets ReplicaFailure when creating or deleting pods
// failed and removes it once they work; an existing condition keeps its
// time and message (as upstream).
func failureCondition(rs *appsv1.ReplicaSet, active int, manageErr error, now time.Time) []appsv1.ReplicaSetCondition {
	var out []appsv1.ReplicaSetCondition
	var existing *appsv1.ReplicaSetCondition
	for i, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure {
			existing = &rs.Status.Conditions[i]
			continue
		}
		out = append(out, c)
	}
	switch {
	case manageErr != nil && existing != nil:
		out = append(out, *existing)
	case manageErr != nil:
		reason := ""
		if diff := active - int(replicas(rs)); diff < 0 {
			reason = reasonFailedCreate
		} else if diff > 0 {
			reason = reasonFailedDelete
		}
		out = append(out, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: v1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: manageErr.Error(),
		})
	}
	return out
}

// statusChanged reports whether s differs from what rs already shows.
func statusChanged(rs *appsv1.ReplicaSet, s appsv1.ReplicaSetStatus) bool {
	return !equality.Semantic.DeepEqual(rs.Status, s)
}

// untilAvailable is how long until the next ready pod of owned becomes
// available (ready for minReadySeconds), so the status can be brought up
// to date without another event; 0 when no pod is waiting.
func untilAvailable(minReadySeconds int32, owned []*v1.Pod, now time.Time) time.Duration {
	if minReadySeconds == 0 {
		return 0
	}
	var next time.Duration
	for _, p := range owned {
		c := pods.ReadyCondition(p)
		if c == nil || c.Status != v1.ConditionTrue || c.LastTransitionTime.IsZero() || pods.IsAvailable(p, minReadySeconds, now) {
			continue
		}
		d := c.LastTransitionTime.Add(time.Duration(minReadySeconds) * time.Second).Sub(now)
		if next == 0 || d < next {
			next = d
		}
	}
	return next
}
