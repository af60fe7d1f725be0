package job

import (
	"slices"
	"strconv"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func perIndexJob(completions, limit int32, mutate ...func(*batchv1.Job)) *batchv1.Job {
	return testJob(append([]func(*batchv1.Job){func(j *batchv1.Job) {
		j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
		j.Spec.Completions, j.Spec.Parallelism = ptr(completions), ptr(completions)
		j.Spec.BackoffLimitPerIndex = ptr(limit)
		j.Spec.BackoffLimit = ptr[int32](1 << 30)
		j.Status.StartTime = &metav1.Time{Time: t0}
	}}, mutate...)...)
}

// failures sets the index failure count a pod was created with.
func failures(n int) func(*v1.Pod) {
	return func(p *v1.Pod) { p.Annotations[batchv1.JobIndexFailureCountAnnotation] = strconv.Itoa(n) }
}

// Each index has its own budget: a failure within it is replaced after
// the index's back-off, with the count raised; one past it fails the
// index for good (status.failedIndexes, no replacement).
func TestJobDecideBackoffLimitPerIndex(t *testing.T) {
	j := perIndexJob(3, 1)
	ps := []*v1.Pod{
		testPod("f0", v1.PodFailed, withIndex(0), failures(1), exited(1, t0)),
		testPod("f1", v1.PodFailed, withIndex(1), failures(0), exited(1, t0)),
		testPod("r2", v1.PodRunning, withIndex(2), failures(0)),
	}
	p := decideAt(j, t0.Add(time.Second), ps...)
	if p.status.FailedIndexes == nil || *p.status.FailedIndexes != "0" {
		t.Fatalf("failedIndexes %v, want \"0\" (its pod failed with 1 failure before it)", p.status.FailedIndexes)
	}
	if len(p.status.UncountedTerminatedPods.Failed) != 2 || findCondition(p.status.Conditions, batchv1.JobFailureTarget) != nil {
		t.Errorf("status %+v, want both failures counted and the job going on", p.status)
	}
	if len(p.create) != 0 || p.requeue != 9*time.Second {
		t.Errorf("create %v requeue %v, want index 1 to wait out its 10 s back-off", p.create, p.requeue)
	}

	// Later, once counted: index 1 gets a pod carrying one failure; index
	// 0 none, though its back-off would be over.
	j.Status.FailedIndexes, j.Status.Failed = p.status.FailedIndexes, 2
	for _, q := range ps[:2] {
		q.Finalizers = nil
	}
	p = decideAt(j, t0.Add(time.Minute), ps...)
	if !slices.Equal(p.create, []int{1}) || p.counts[1] != (indexCounts{failures: 1}) {
		t.Fatalf("create %v counts %v, want index 1 with 1 failure", p.create, p.counts)
	}
	pod := newPod(j, 1, p.counts[1])
	if pod.Annotations[batchv1.JobIndexFailureCountAnnotation] != "1" || pod.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation] != "" {
		t.Errorf("annotations %v, want failure count 1 and no ignored count", pod.Annotations)
	}
	if *p.status.FailedIndexes != "0" {
		t.Errorf("failedIndexes %q, want it kept", *p.status.FailedIndexes)
	}
}

// Once every index succeeded or failed, the job fails with FailedIndexes;
// past maxFailedIndexes it fails at once and its running pods are
// deleted.
func TestJobDecideFailedIndexes(t *testing.T) {
	j := perIndexJob(2, 0)
	p := decideAt(j, t0, testPod("s0", v1.PodSucceeded, withIndex(0)), testPod("f1", v1.PodFailed, withIndex(1), failures(0)))
	c := findCondition(p.status.Conditions, batchv1.JobFailureTarget)
	if c == nil || c.Reason != "FailedIndexes" || c.Message != "Job has failed indexes" || p.final == nil || p.final.Type != batchv1.JobFailed {
		t.Fatalf("conditions %+v final %+v, want FailureTarget then Failed, FailedIndexes", p.status.Conditions, p.final)
	}

	j = perIndexJob(3, 0, func(j *batchv1.Job) { j.Spec.MaxFailedIndexes = ptr[int32](0) })
	p = decideAt(j, t0, testPod("f0", v1.PodFailed, withIndex(0), failures(0)), testPod("r1", v1.PodRunning, withIndex(1)))
	c = findCondition(p.status.Conditions, batchv1.JobFailureTarget)
	if c == nil || c.Reason != "MaxFailedIndexesExceeded" || c.Message != "Job has exceeded the specified maximal number of failed indexes" {
		t.Fatalf("conditions %+v, want FailureTarget MaxFailedIndexesExceeded", p.status.Conditions)
	}
	if !slices.Equal(names(p.del), []string{"r1"}) || len(p.create) != 0 {
		t.Errorf("del %v create %v, want the running pod deleted and nothing created", names(p.del), p.create)
	}
}

// A FailIndex rule fails the index at its first failure; an Ignore rule
// neither counts nor delays, and the replacement carries the ignored
// count.
func TestJobDecideFailIndexAndIgnore(t *testing.T) {
	j := perIndexJob(3, 5, func(j *batchv1.Job) {
		j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
			{Action: batchv1.PodFailurePolicyActionFailIndex, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
			{Action: batchv1.PodFailurePolicyActionIgnore, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{7}}},
		}}
	})
	ps := []*v1.Pod{
		testPod("f0", v1.PodFailed, withIndex(0), failures(0), exited(42, t0)),
		testPod("i1", v1.PodFailed, withIndex(1), failures(0), exited(7, t0)),
		testPod("r2", v1.PodRunning, withIndex(2)),
	}
	p := decideAt(j, t0, ps...)
	if *p.status.FailedIndexes != "0" || len(p.status.UncountedTerminatedPods.Failed) != 1 {
		t.Fatalf("failedIndexes %q uncounted %v, want index 0 failed and only its pod counted", *p.status.FailedIndexes, p.status.UncountedTerminatedPods.Failed)
	}
	if !slices.Equal(p.create, []int{1}) || p.counts[1] != (indexCounts{ignored: 1}) {
		t.Errorf("create %v counts %v, want index 1 at once with one ignored failure", p.create, p.counts)
	}
	if pod := newPod(j, 1, p.counts[1]); pod.Annotations[batchv1.JobIndexFailureCountAnnotation] != "0" || pod.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation] != "1" {
		t.Errorf("annotations %v, want failure count 0 and ignored count 1", pod.Annotations)
	}
}

// A successPolicy rule that holds completes an Indexed job early: its
// running pods are deleted, and Complete follows with the rule's reason
// and message.
func TestJobDecideSuccessPolicy(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
		j.Spec.Completions, j.Spec.Parallelism = ptr[int32](5), ptr[int32](5)
		j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{
			{SucceededIndexes: ptr("3-4")},
			{SucceededIndexes: ptr("0-2"), SucceededCount: ptr[int32](2)},
		}}
		j.Status.StartTime = &metav1.Time{Time: t0}
	})
	p := decideAt(j, t0, testPod("s0", v1.PodSucceeded, withIndex(0)), testPod("r1", v1.PodRunning, withIndex(1)))
	if findCondition(p.status.Conditions, batchv1.JobSuccessCriteriaMet) != nil {
		t.Fatalf("conditions %+v, want no success with one index done", p.status.Conditions)
	}
	p = decideAt(j, t0, testPod("s0", v1.PodSucceeded, withIndex(0)), testPod("s2", v1.PodSucceeded, withIndex(2)), testPod("r1", v1.PodRunning, withIndex(1)))
	c := findCondition(p.status.Conditions, batchv1.JobSuccessCriteriaMet)
	if c == nil || c.Reason != "SuccessPolicy" || c.Message != "Matched rules at index 1" {
		t.Fatalf("conditions %+v, want SuccessCriteriaMet SuccessPolicy, rule 1", p.status.Conditions)
	}
	if !slices.Equal(names(p.del), []string{"r1"}) || len(p.create) != 0 || p.final != nil {
		t.Errorf("del %v create %v final %v, want r1 deleted and Complete once it is gone", names(p.del), p.create, p.final)
	}
	j.Status.Conditions = p.status.Conditions
	p = decideAt(j, t0, testPod("s0", v1.PodSucceeded, withIndex(0)), testPod("s2", v1.PodSucceeded, withIndex(2)))
	if p.final == nil || p.final.Type != batchv1.JobComplete || p.final.Reason != "SuccessPolicy" || p.final.Message != "Matched rules at index 1" {
		t.Errorf("final %+v, want Complete SuccessPolicy, rule 1", p.final)
	}
}

func TestMatchSuccessPolicy(t *testing.T) {
	set := func(ix ...int) indexSet {
		s := indexSet{}
		for _, i := range ix {
			s[i] = true
		}
		return s
	}
	for _, tc := range []struct {
		name      string
		rule      batchv1.SuccessPolicyRule
		succeeded indexSet
		want      bool
	}{
		{"all named indexes", batchv1.SuccessPolicyRule{SucceededIndexes: ptr("1,3-4")}, set(1, 3, 4), true},
		{"one named index missing", batchv1.SuccessPolicyRule{SucceededIndexes: ptr("1,3-4")}, set(1, 3), false},
		{"count of any", batchv1.SuccessPolicyRule{SucceededCount: ptr[int32](2)}, set(0, 9), true},
		{"count of any short", batchv1.SuccessPolicyRule{SucceededCount: ptr[int32](3)}, set(0, 9), false},
		{"count within named", batchv1.SuccessPolicyRule{SucceededIndexes: ptr("0-3"), SucceededCount: ptr[int32](2)}, set(1, 3, 8), true},
		{"count within named short", batchv1.SuccessPolicyRule{SucceededIndexes: ptr("0-3"), SucceededCount: ptr[int32](2)}, set(1, 8, 9), false},
		{"named beyond completions", batchv1.SuccessPolicyRule{SucceededIndexes: ptr("20-30")}, set(1), false},
	} {
		msg, got := matchSuccessPolicy(&batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{tc.rule}}, tc.succeeded, 10)
		if got != tc.want || (got && msg != "Matched rules at index 0") {
			t.Errorf("%s: %v %q, want %v", tc.name, got, msg, tc.want)
		}
	}
	if _, ok := matchSuccessPolicy(nil, set(1), 10); ok {
		t.Error("no policy matched")
	}
}
