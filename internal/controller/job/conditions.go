package job

import (
	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Messages and reasons of upstream's job controller.
const (
	msgCompletionsReached = "Reached expected number of succeeded pods"
	msgBackoffLimit       = "Job has reached the specified backoff limit"
	msgDeadline           = "Job was active longer than specified deadline"
)

func findCondition(conds []batchv1.JobCondition, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

func hasCondition(conds []batchv1.JobCondition, t batchv1.JobConditionType) bool {
	c := findCondition(conds, t)
	return c != nil && c.Status == v1.ConditionTrue
}

// isFinished: the job has its terminal condition, Complete or Failed.
func isFinished(j *batchv1.Job) bool {
	return hasCondition(j.Status.Conditions, batchv1.JobComplete) || hasCondition(j.Status.Conditions, batchv1.JobFailed)
}

// setCondition sets a condition's status, reason and message, keeping its
// transition time when the status does not change; it reports whether
// anything changed.
func setCondition(conds *[]batchv1.JobCondition, t batchv1.JobConditionType, status v1.ConditionStatus, reason, msg string, now metav1.Time) bool {
	c := findCondition(*conds, t)
	if c == nil {
		*conds = append(*conds, batchv1.JobCondition{Type: t, Status: status, Reason: reason, Message: msg,
			LastProbeTime: now, LastTransitionTime: now})
		return true
	}
	if c.Status == status && c.Reason == reason && c.Message == msg {
		return false
	}
	if c.Status != status {
		c.LastTransitionTime = now
	}
	c.Status, c.Reason, c.Message, c.LastProbeTime = status, reason, msg, now
	return true
}
