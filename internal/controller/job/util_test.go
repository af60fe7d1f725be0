package job

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
)

func TestJobIndexSet(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
		size int
	}{
		{"", 5, "", 0},
		{"0-2,4", 5, "0-2,4", 4},
		{"4,0,1,2", 5, "0-2,4", 4},
		{"1,3-4,7", 5, "1,3-4", 3},
		{"x,2", 5, "2", 1},
		{"0-9", 3, "0-2", 3},
	} {
		s := parseIndexes(tc.in, tc.n)
		if got := s.String(); got != tc.want || len(s) != tc.size {
			t.Errorf("parse(%q, %d) = %q (%d), want %q (%d)", tc.in, tc.n, got, len(s), tc.want, tc.size)
		}
	}
}

func TestJobBackoffRemaining(t *testing.T) {
	failed := func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed }
	fail := func(ago time.Duration) *v1.Pod { return testPod("f", v1.PodFailed, exited(1, t0.Add(-ago))) }
	for _, tc := range []struct {
		name string
		pods []*v1.Pod
		want time.Duration
	}{
		{"none", nil, 0},
		{"one failure 4s ago", []*v1.Pod{fail(4 * time.Second)}, 6 * time.Second},
		{"three failures", []*v1.Pod{fail(time.Minute), fail(time.Minute), fail(time.Second)}, 39 * time.Second},
		{"capped at 6m", []*v1.Pod{fail(0), fail(0), fail(0), fail(0), fail(0), fail(0), fail(0), fail(0), fail(0)}, 6 * time.Minute},
		{"success resets", []*v1.Pod{fail(time.Minute), testPod("ok", v1.PodSucceeded, exited(0, t0.Add(-30*time.Second)))}, 0},
		{"old failure passed", []*v1.Pod{fail(time.Minute)}, 0},
	} {
		if got := podsBackoff(tc.pods, failed).remaining(t0); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestJobNewPodIndexed(t *testing.T) {
	j := testJob(func(j *batchv1.Job) { j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion) })
	p := newPod(j, 3, indexCounts{})
	if p.GenerateName != "j-3-" || p.Spec.Hostname != "j-3" || p.Annotations[batchv1.JobCompletionIndexAnnotation] != "3" ||
		p.Labels[batchv1.JobCompletionIndexAnnotation] != "3" || !hasFinalizer(p) {
		t.Errorf("pod %+v, want index 3 naming, hostname, annotation, label and finalizer", p.ObjectMeta)
	}
	if env := p.Spec.Containers[0].Env; len(env) != 1 || env[0].Name != "JOB_COMPLETION_INDEX" {
		t.Errorf("env %+v, want JOB_COMPLETION_INDEX", env)
	}
	if env := j.Spec.Template.Spec.Containers[0].Env; len(env) != 0 {
		t.Errorf("template changed: %+v", env)
	}
	if p := newPod(testJob(), -1, indexCounts{}); p.GenerateName != "j-" || p.Spec.Hostname != "" || p.Annotations != nil {
		t.Errorf("NonIndexed pod %+v, want plain", p.ObjectMeta)
	}
}

func TestJobFailurePolicyMatching(t *testing.T) {
	in := batchv1.PodFailurePolicyOnExitCodesOpIn
	notIn := batchv1.PodFailurePolicyOnExitCodesOpNotIn
	rule := func(op batchv1.PodFailurePolicyOnExitCodesOperator, action batchv1.PodFailurePolicyAction, vals ...int32) *batchv1.PodFailurePolicy {
		return &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: action,
			OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: op, Values: vals}}}}
	}
	for _, tc := range []struct {
		name  string
		fp    *batchv1.PodFailurePolicy
		code  int32
		count bool
		fail  bool
	}{
		{"no policy", nil, 1, true, false},
		{"In matches FailJob", rule(in, batchv1.PodFailurePolicyActionFailJob, 3), 3, true, true},
		{"In misses", rule(in, batchv1.PodFailurePolicyActionFailJob, 3), 4, true, false},
		{"NotIn matches Ignore", rule(notIn, batchv1.PodFailurePolicyActionIgnore, 3), 4, false, false},
		{"exit 0 never matches NotIn", rule(notIn, batchv1.PodFailurePolicyActionFailJob, 3), 0, true, false},
		{"Count", rule(in, batchv1.PodFailurePolicyActionCount, 5), 5, true, false},
	} {
		v := matchFailurePolicy(tc.fp, testPod("p", v1.PodFailed, exited(tc.code, t0)))
		if v.count != tc.count || (v.failJob != "") != tc.fail {
			t.Errorf("%s: %+v, want count %v fail %v", tc.name, v, tc.count, tc.fail)
		}
	}
}

// Failures of pods that are gone still count: the in-memory record
// remembers them, merged with what the pods show.
func TestJobBackoffRecord(t *testing.T) {
	var r backoffRecord
	r = r.add(nil, []time.Time{t0.Add(-20 * time.Second)})
	r = r.add(nil, []time.Time{t0.Add(-5 * time.Second)})
	if got := r.remaining(t0); got != 15*time.Second {
		t.Errorf("two failures: %v, want 15s (20 s after the latest)", got)
	}
	if got := r.add([]time.Time{t0.Add(-time.Second)}, nil).remaining(t0); got != 0 {
		t.Errorf("after a success: %v, want 0", got)
	}
}
