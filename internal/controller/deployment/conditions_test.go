package deployment

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func progressingReason(s appsv1.DeploymentStatus) string {
	if c := getCondition(s, appsv1.DeploymentProgressing); c != nil {
		return c.Reason
	}
	return ""
}

func TestDeploymentAvailableCondition(t *testing.T) {
	d := deploy(10, "3", "2")
	for _, tc := range []struct {
		available int32
		want      v1.ConditionStatus
		reason    string
	}{
		{8, v1.ConditionTrue, ReasonMinimumAvailable},
		{7, v1.ConditionFalse, ReasonMinimumUnavailable},
	} {
		s := calculateStatus(d, []*appsv1.ReplicaSet{rs("a", 10, tc.available, 0, 1)}, nil, t0)
		c := getCondition(s, appsv1.DeploymentAvailable)
		if c == nil || c.Status != tc.want || c.Reason != tc.reason {
			t.Errorf("%d available: condition %+v, want %s %s", tc.available, c, tc.want, tc.reason)
		}
		if s.UnavailableReplicas != 10-tc.available || s.ObservedGeneration != 1 {
			t.Errorf("status %+v", s)
		}
	}
}

func TestDeploymentRolloutStatusProgressing(t *testing.T) {
	d := deploy(4, "1", "0")
	d.Spec.ProgressDeadlineSeconds = ptr(int32(10))
	created := newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonNewRSCreated, "Created", t0)
	d.Status = appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 0, AvailableReplicas: 4, Conditions: []appsv1.DeploymentCondition{created}}
	old, newRS := rs("old", 4, 4, 0, 1), rs("new", 1, 0, 5, 2)

	// A new pod exists: progress, lastUpdateTime moves, transition kept.
	now := t0.Add(5 * time.Second)
	s := rolloutStatus(d, []*appsv1.ReplicaSet{old, newRS}, newRS, now)
	c := getCondition(s, appsv1.DeploymentProgressing)
	if c.Reason != ReasonRSUpdated || !c.LastUpdateTime.Time.Equal(now) || !c.LastTransitionTime.Time.Equal(t0) {
		t.Fatalf("after progress: %+v", c)
	}
	if c.Message != `ReplicaSet "new" is progressing.` {
		t.Errorf("message %q", c.Message)
	}

	// No progress since: within the deadline nothing changes, and a
	// recheck is asked for when the deadline passes.
	d.Status = s
	s = rolloutStatus(d, []*appsv1.ReplicaSet{old, newRS}, newRS, now.Add(5*time.Second))
	if progressingReason(s) != ReasonRSUpdated {
		t.Errorf("within deadline: %s", progressingReason(s))
	}
	if after := stuckRecheck(d, &s, now.Add(5*time.Second)); after != 6*time.Second {
		t.Errorf("stuckRecheck = %v, want 6s (deadline in 5s, plus 1s)", after)
	}
	// Past it: timed out.
	s = rolloutStatus(d, []*appsv1.ReplicaSet{old, newRS}, newRS, now.Add(11*time.Second))
	c = getCondition(s, appsv1.DeploymentProgressing)
	if c.Reason != ReasonTimedOut || c.Status != v1.ConditionFalse || c.Message != `ReplicaSet "new" has timed out progressing.` {
		t.Errorf("past deadline: %+v", c)
	}
	d.Status = s
	if after := stuckRecheck(d, &s, now.Add(20*time.Second)); after != 0 {
		t.Errorf("timed out: stuckRecheck = %v, want 0", after)
	}

	// Everything updated and available: complete.
	*old.Spec.Replicas, old.Status = 0, appsv1.ReplicaSetStatus{}
	*newRS.Spec.Replicas, newRS.Status = 4, appsv1.ReplicaSetStatus{Replicas: 4, ReadyReplicas: 4, AvailableReplicas: 4}
	s = rolloutStatus(d, []*appsv1.ReplicaSet{old, newRS}, newRS, now.Add(30*time.Second))
	c = getCondition(s, appsv1.DeploymentProgressing)
	if c.Reason != ReasonNewRSAvailable || c.Status != v1.ConditionTrue || c.Message != `ReplicaSet "new" has successfully progressed.` {
		t.Errorf("complete: %+v", c)
	}
	// Complete stays complete.
	d.Status = s
	if again := rolloutStatus(d, []*appsv1.ReplicaSet{old, newRS}, newRS, now.Add(time.Hour)); progressingReason(again) != ReasonNewRSAvailable {
		t.Errorf("complete then: %s", progressingReason(again))
	}
}

func TestDeploymentNoProgressDeadline(t *testing.T) {
	d := deploy(1, "1", "0")
	d.Spec.ProgressDeadlineSeconds = ptr(int32(2147483647))
	d.Status.Conditions = []appsv1.DeploymentCondition{newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonRSUpdated, "", t0)}
	s := rolloutStatus(d, []*appsv1.ReplicaSet{rs("a", 1, 0, 0, 1)}, nil, t0.Add(time.Hour))
	if getCondition(s, appsv1.DeploymentProgressing) != nil {
		t.Error("Progressing kept without a deadline")
	}
}

func TestDeploymentReplicaFailureCondition(t *testing.T) {
	d := deploy(1, "1", "0")
	r := rs("a", 1, 0, 0, 1)
	r.Status.Conditions = []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: v1.ConditionTrue, Reason: "FailedCreate", Message: "quota", LastTransitionTime: metav1.NewTime(t0)}}
	s := rolloutStatus(d, []*appsv1.ReplicaSet{r}, r, t0)
	c := getCondition(s, appsv1.DeploymentReplicaFailure)
	if c == nil || c.Reason != "FailedCreate" || c.Message != "quota" {
		t.Fatalf("ReplicaFailure: %+v", c)
	}
	d.Status = s
	r.Status.Conditions = nil
	if s := rolloutStatus(d, []*appsv1.ReplicaSet{r}, r, t0); getCondition(s, appsv1.DeploymentReplicaFailure) != nil {
		t.Error("ReplicaFailure kept after the ReplicaSet's cleared")
	}
}

func TestDeploymentPausedCondition(t *testing.T) {
	d := deploy(1, "1", "0")
	d.Spec.Paused = true
	if !pausedCondition(d, t0) || progressingReason(d.Status) != ReasonPaused {
		t.Fatalf("pause: %+v", d.Status.Conditions)
	}
	if c := getCondition(d.Status, appsv1.DeploymentProgressing); c.Status != v1.ConditionUnknown || c.Message != "Deployment is paused" {
		t.Errorf("paused condition %+v", c)
	}
	if pausedCondition(d, t0) {
		t.Error("second pause changed something")
	}
	d.Spec.Paused = false
	if !pausedCondition(d, t0) || progressingReason(d.Status) != ReasonResumed {
		t.Errorf("resume: %+v", d.Status.Conditions)
	}
	// A timeout is not overwritten by a pause.
	d.Spec.Paused = true
	d.Status.Conditions = []appsv1.DeploymentCondition{newCondition(appsv1.DeploymentProgressing, v1.ConditionFalse, ReasonTimedOut, "", t0)}
	if pausedCondition(d, t0) {
		t.Error("pause overwrote ProgressDeadlineExceeded")
	}
}

func TestDeploymentSetConditionKeepsTransitionTime(t *testing.T) {
	var s appsv1.DeploymentStatus
	setCondition(&s, newCondition(appsv1.DeploymentAvailable, v1.ConditionTrue, "A", "", t0))
	setCondition(&s, newCondition(appsv1.DeploymentAvailable, v1.ConditionTrue, "B", "", t0.Add(time.Minute)))
	c := getCondition(s, appsv1.DeploymentAvailable)
	if c.Reason != "B" || !c.LastTransitionTime.Time.Equal(t0) || !c.LastUpdateTime.Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("same status, new reason: %+v", c)
	}
	setCondition(&s, newCondition(appsv1.DeploymentAvailable, v1.ConditionFalse, "C", "", t0.Add(2*time.Minute)))
	if c := getCondition(s, appsv1.DeploymentAvailable); !c.LastTransitionTime.Time.Equal(t0.Add(2*time.Minute)) || len(s.Conditions) != 1 {
		t.Errorf("status change: %+v", s.Conditions)
	}
}

func TestDeploymentTerminatingReplicas(t *testing.T) {
	a, b := rs("a", 1, 1, 0, 1), rs("b", 1, 1, 1, 2)
	a.Status.TerminatingReplicas = ptr(int32(2))
	if got := terminatingReplicas([]*appsv1.ReplicaSet{a, b, nil}); got != nil {
		t.Errorf("one set without the count: %d, want nil", *got)
	}
	b.Status.TerminatingReplicas = ptr(int32(1))
	if got := terminatingReplicas([]*appsv1.ReplicaSet{a, b, nil}); got == nil || *got != 3 {
		t.Errorf("terminating = %v, want 3", got)
	}
}
