package replicaset

import (
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReplicaSetComputeStatusCounts(t *testing.T) {
	rs := newRS("web", 5)
	rs.Spec.MinReadySeconds = 10
	owned := []*v1.Pod{
		newPod("available", rs, ready(t0.Add(-time.Minute))),
		newPod("just-ready", rs, ready(t0.Add(-3*time.Second))),
		newPod("not-ready", rs, notReady),
		newPod("partly-labelled", rs, withLabels(map[string]string{"app": "web"})),
	}
	s := computeStatus(rs, owned, nil, t0)
	want := appsv1.ReplicaSetStatus{Replicas: 4, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 2, ObservedGeneration: 3}
	if !statusEqualForTest(s, want) {
		t.Fatalf("status %+v, want %+v", s, want)
	}
	if d := untilAvailable(rs.Spec.MinReadySeconds, owned, t0); d != 7*time.Second {
		t.Fatalf("untilAvailable = %v, want 7s (just-ready has 7 of its 10 s to go)", d)
	}
	if d := untilAvailable(0, owned, t0); d != 0 {
		t.Fatalf("untilAvailable without minReadySeconds = %v, want 0", d)
	}
}

func statusEqualForTest(a, b appsv1.ReplicaSetStatus) bool {
	return a.Replicas == b.Replicas && a.FullyLabeledReplicas == b.FullyLabeledReplicas && a.ReadyReplicas == b.ReadyReplicas &&
		a.AvailableReplicas == b.AvailableReplicas && a.ObservedGeneration == b.ObservedGeneration && len(a.Conditions) == len(b.Conditions)
}

func TestReplicaSetComputeStatusReplicaFailure(t *testing.T) {
	quota := errors.New(`pods "web-x" is forbidden: exceeded quota`)
	old := metav1.NewTime(t0.Add(-time.Hour))
	existing := appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: v1.ConditionTrue, Reason: reasonFailedCreate, Message: "old", LastTransitionTime: old}
	for _, tc := range []struct {
		name       string
		replicas   int32
		have       int
		conditions []appsv1.ReplicaSetCondition
		err        error
		want       *appsv1.ReplicaSetCondition // nil: no ReplicaFailure
	}{
		{name: "create fails", replicas: 3, have: 1, err: quota,
			want: &appsv1.ReplicaSetCondition{Reason: reasonFailedCreate, Message: quota.Error(), LastTransitionTime: metav1.NewTime(t0)}},
		{name: "delete fails", replicas: 1, have: 3, err: quota,
			want: &appsv1.ReplicaSetCondition{Reason: reasonFailedDelete, Message: quota.Error(), LastTransitionTime: metav1.NewTime(t0)}},
		{name: "still failing keeps the first condition", replicas: 3, have: 1, err: quota,
			conditions: []appsv1.ReplicaSetCondition{existing}, want: &existing},
		{name: "success removes it", replicas: 3, have: 3, conditions: []appsv1.ReplicaSetCondition{existing}},
		{name: "no failure, no condition", replicas: 3, have: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := newRS("web", tc.replicas)
			rs.Status.Conditions = tc.conditions
			s := computeStatus(rs, nPods(rs, tc.have), tc.err, t0)
			var got *appsv1.ReplicaSetCondition
			for i := range s.Conditions {
				if s.Conditions[i].Type == appsv1.ReplicaSetReplicaFailure {
					got = &s.Conditions[i]
				}
			}
			switch {
			case tc.want == nil && got != nil:
				t.Fatalf("unexpected condition %+v", got)
			case tc.want == nil:
			case got == nil:
				t.Fatalf("no ReplicaFailure condition, want %+v", tc.want)
			case got.Status != v1.ConditionTrue || got.Reason != tc.want.Reason || got.Message != tc.want.Message || !got.LastTransitionTime.Equal(&tc.want.LastTransitionTime):
				t.Fatalf("condition %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestReplicaSetStatusChanged(t *testing.T) {
	rs := newRS("web", 2)
	owned := nPods(rs, 2)
	s := computeStatus(rs, owned, nil, t0)
	if !statusChanged(rs, s) {
		t.Fatal("a new status (replicas 2, generation 3) over an empty one must count as changed")
	}
	rs.Status = s
	if statusChanged(rs, computeStatus(rs, owned, nil, t0.Add(time.Minute))) {
		t.Fatal("the same pods a minute later changed the status")
	}
	rs.Generation++
	if !statusChanged(rs, computeStatus(rs, owned, nil, t0)) {
		t.Fatal("a new generation must be observed")
	}
}

// Terminating: being deleted, not finished, and still matching the
// selector.
func TestReplicaSetTerminatingOwned(t *testing.T) {
	rs := newRS("web", 3)
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	deleting := func(p *v1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: t0} }
	owned := []*v1.Pod{
		newPod("running", rs),
		newPod("going", rs, deleting),
		newPod("going-too", rs, deleting, notReady),
		newPod("done", rs, deleting, func(p *v1.Pod) { p.Status.Phase = v1.PodSucceeded }),
		newPod("failed", rs, deleting, func(p *v1.Pod) { p.Status.Phase = v1.PodFailed }),
		newPod("relabelled", rs, deleting, withLabels(map[string]string{"other": "x"})),
	}
	if n := terminatingOwned(sel, owned); n == nil || *n != 2 {
		t.Errorf("terminatingOwned = %v, want 2", n)
	}
	if n := terminatingOwned(sel, nil); n == nil || *n != 0 {
		t.Errorf("terminatingOwned of none = %v, want 0 (known, not nil)", n)
	}
}
