package ttlafterfinished

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestJobTTLRemaining(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	job := func(ttl *int32, cond batchv1.JobConditionType, deleting bool) *batchv1.Job {
		j := &batchv1.Job{Spec: batchv1.JobSpec{TTLSecondsAfterFinished: ttl}}
		if cond != "" {
			j.Status.Conditions = []batchv1.JobCondition{{Type: cond, Status: v1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}}
		}
		if deleting {
			j.DeletionTimestamp = &metav1.Time{Time: t0}
		}
		return j
	}
	ttl := func(s int32) *int32 { return &s }
	for _, tc := range []struct {
		name string
		j    *batchv1.Job
		now  time.Time
		left time.Duration
		due  bool
	}{
		{"no ttl", job(nil, batchv1.JobComplete, false), t0.Add(time.Hour), 0, false},
		{"running", job(ttl(10), "", false), t0.Add(time.Hour), 0, false},
		{"complete, waiting", job(ttl(10), batchv1.JobComplete, false), t0.Add(4 * time.Second), 6 * time.Second, false},
		{"failed, expired", job(ttl(10), batchv1.JobFailed, false), t0.Add(10 * time.Second), 0, true},
		{"ttl 0", job(ttl(0), batchv1.JobComplete, false), t0, 0, true},
		{"being deleted", job(ttl(0), batchv1.JobComplete, true), t0, 0, false},
	} {
		left, due := Remaining(tc.j, tc.now)
		if left != tc.left || due != tc.due {
			t.Errorf("%s: %v %v, want %v %v", tc.name, left, due, tc.left, tc.due)
		}
	}
}
