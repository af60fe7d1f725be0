package job

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A new job starts min(parallelism, completions) pods and its clock.
func TestJobDecideStartsPods(t *testing.T) {
	p := decideAt(testJob(), t0)
	if len(p.create) != 2 || p.create[0] != -1 {
		t.Errorf("create %v, want two NonIndexed pods", p.create)
	}
	if p.status.StartTime == nil || !p.status.StartTime.Time.Equal(t0) || p.status.Active != 2 {
		t.Errorf("status %+v, want startTime now and active 2", p.status)
	}
	if p.status.UncountedTerminatedPods == nil || *p.status.Ready != 0 || *p.status.Terminating != 0 {
		t.Errorf("status %+v, want empty uncounted and zero ready/terminating", p.status)
	}
}

// Finished pods are recorded as uncounted and lose their finalizer;
// remaining completions bound the active pods; flush then counts them.
func TestJobDecideTracksFinishedPods(t *testing.T) {
	j := testJob(func(j *batchv1.Job) { j.Status.StartTime = &metav1.Time{Time: t0} })
	ps := []*v1.Pod{
		testPod("ok", v1.PodSucceeded, exited(0, t0)),
		testPod("run", v1.PodRunning, ready),
		testPod("done-before", v1.PodSucceeded, func(p *v1.Pod) { p.Finalizers = nil }),
	}
	p := decideAt(j, t0, ps...)
	if got := p.status.UncountedTerminatedPods.Succeeded; !slices.Equal(got, []types.UID{"ok-uid"}) {
		t.Errorf("uncounted succeeded %v, want [ok-uid]", got)
	}
	if !slices.Equal(names(p.removeFinalizer), []string{"ok"}) {
		t.Errorf("remove finalizer of %v, want [ok]", names(p.removeFinalizer))
	}
	// min(parallelism 2, 3 - 1 succeeded) = 2 active: one more.
	if len(p.create) != 1 || p.status.Active != 2 || *p.status.Ready != 1 {
		t.Errorf("create %v status %+v, want one more pod, active 2, ready 1", p.create, p.status)
	}
	st, evs := flush(p.status, map[types.UID]bool{"run-uid": true}, p.final)
	if st.Succeeded != 1 || len(st.UncountedTerminatedPods.Succeeded) != 0 || len(evs) != 0 {
		t.Errorf("flushed %+v %v, want succeeded 1 and nothing uncounted", st, evs)
	}
	// A UID whose pod still has its finalizer stays uncounted.
	st, _ = flush(p.status, map[types.UID]bool{"ok-uid": true}, nil)
	if st.Succeeded != 0 || len(st.UncountedTerminatedPods.Succeeded) != 1 {
		t.Errorf("flushed %+v, want ok-uid still uncounted", st)
	}
}

// Enough successes: SuccessCriteriaMet now, Complete (with completion
// time and event) once flushed and nothing runs.
func TestJobDecideCompletes(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Status.StartTime = &metav1.Time{Time: t0}
		j.Status.Succeeded = 2
	})
	p := decideAt(j, t0, testPod("last", v1.PodSucceeded))
	if findCondition(p.status.Conditions, batchv1.JobSuccessCriteriaMet) == nil || p.final == nil || p.final.Type != batchv1.JobComplete {
		t.Fatalf("conditions %+v final %+v, want SuccessCriteriaMet then Complete", p.status.Conditions, p.final)
	}
	if len(p.create) != 0 {
		t.Errorf("create %v, want none", p.create)
	}
	st, evs := flush(p.status, nil, p.final)
	c := findCondition(st.Conditions, batchv1.JobComplete)
	if c == nil || c.Reason != "CompletionsReached" || c.Message != msgCompletionsReached || st.CompletionTime == nil || st.Succeeded != 3 {
		t.Errorf("flushed %+v, want Complete CompletionsReached with completion time and 3 succeeded", st)
	}
	if len(evs) != 1 || evs[0].reason != "Completed" || evs[0].msg != "Job completed" {
		t.Errorf("events %v, want Completed", evs)
	}
	// A still running extra pod is deleted first: no Complete yet.
	p = decideAt(j, t0, testPod("last", v1.PodSucceeded), testPod("extra", v1.PodRunning))
	if p.final != nil || !slices.Equal(names(p.del), []string{"extra"}) {
		t.Errorf("final %+v del %v, want the extra pod deleted before Complete", p.final, names(p.del))
	}
}

// More failures than backoffLimit fail the job: FailureTarget at once,
// running pods killed and counted, Failed when they are gone.
func TestJobDecideBackoffLimitExceeded(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.BackoffLimit = ptr[int32](1)
		j.Status.StartTime = &metav1.Time{Time: t0}
		j.Status.Failed = 1
	})
	p := decideAt(j, t0, testPod("f", v1.PodFailed, exited(1, t0)), testPod("run", v1.PodRunning))
	c := findCondition(p.status.Conditions, batchv1.JobFailureTarget)
	if c == nil || c.Reason != "BackoffLimitExceeded" {
		t.Fatalf("conditions %+v, want FailureTarget BackoffLimitExceeded", p.status.Conditions)
	}
	if !slices.Equal(names(p.del), []string{"run"}) || len(p.status.UncountedTerminatedPods.Failed) != 2 || p.final != nil {
		t.Errorf("del %v uncounted %v final %v, want run deleted, both failed, no Failed yet", names(p.del), p.status.UncountedTerminatedPods, p.final)
	}
	// Next round: the killed pod is terminating, then gone.
	j.Status = p.status
	j.Status.Failed, j.Status.UncountedTerminatedPods = 3, &batchv1.UncountedTerminatedPods{}
	term := testPod("run", v1.PodRunning, deleted, func(p *v1.Pod) { p.Finalizers = nil })
	if p = decideAt(j, t0, term); p.final != nil || *p.status.Terminating != 1 {
		t.Errorf("final %+v terminating %v, want to wait for the terminating pod", p.final, *p.status.Terminating)
	}
	p = decideAt(j, t0)
	st, evs := flush(p.status, nil, p.final)
	if c := findCondition(st.Conditions, batchv1.JobFailed); c == nil || c.Message != msgBackoffLimit || st.CompletionTime != nil {
		t.Errorf("conditions %+v, want Failed BackoffLimitExceeded without completion time", st.Conditions)
	}
	if len(evs) != 1 || evs[0].typ != v1.EventTypeWarning || evs[0].reason != "BackoffLimitExceeded" {
		t.Errorf("events %v, want the BackoffLimitExceeded warning", evs)
	}
}

// A failure waits out the back-off (10 s, doubling) before a replacement.
func TestJobDecideBackoffDelay(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.Parallelism, j.Spec.Completions = ptr[int32](1), ptr[int32](1)
		j.Status.StartTime = &metav1.Time{Time: t0}
		j.Status.Failed = 2
	})
	f1 := testPod("f1", v1.PodFailed, exited(1, t0.Add(-30*time.Second)), func(p *v1.Pod) { p.Finalizers = nil })
	f2 := testPod("f2", v1.PodFailed, exited(1, t0.Add(-5*time.Second)), func(p *v1.Pod) { p.Finalizers = nil })
	p := decideAt(j, t0, f1, f2)
	if len(p.create) != 0 || p.requeue != 15*time.Second {
		t.Errorf("create %v requeue %v, want none until 20 s after the second failure", p.create, p.requeue)
	}
	if p = decideAt(j, t0.Add(15*time.Second), f1, f2); len(p.create) != 1 {
		t.Errorf("create %v, want the replacement once the back-off passed", p.create)
	}
}

// The deadline fails a running job; before it, a requeue at the deadline.
func TestJobDecideActiveDeadline(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.ActiveDeadlineSeconds = ptr[int64](30)
		j.Status.StartTime = &metav1.Time{Time: t0}
	})
	run := []*v1.Pod{testPod("a", v1.PodRunning), testPod("b", v1.PodRunning)}
	if p := decideAt(j, t0.Add(10*time.Second), run...); p.requeue != 20*time.Second || len(p.del) != 0 {
		t.Errorf("requeue %v del %v, want a wake-up at the deadline", p.requeue, p.del)
	}
	p := decideAt(j, t0.Add(30*time.Second), run...)
	if c := findCondition(p.status.Conditions, batchv1.JobFailureTarget); c == nil || c.Reason != "DeadlineExceeded" || c.Message != msgDeadline {
		t.Errorf("conditions %+v, want FailureTarget DeadlineExceeded", p.status.Conditions)
	}
	if len(p.del) != 2 || p.status.Active != 0 {
		t.Errorf("del %v active %d, want both pods deleted", names(p.del), p.status.Active)
	}
}

// Suspend deletes running pods uncounted; resume resets startTime.
func TestJobDecideSuspendResume(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.Suspend = ptr(true)
		j.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Hour)}
	})
	p := decideAt(j, t0, testPod("a", v1.PodRunning))
	c := findCondition(p.status.Conditions, batchv1.JobSuspended)
	if c == nil || c.Status != v1.ConditionTrue || c.Reason != "JobSuspended" || len(p.events) != 1 || p.events[0].reason != "Suspended" {
		t.Errorf("conditions %+v events %v, want Suspended", p.status.Conditions, p.events)
	}
	if !slices.Equal(names(p.del), []string{"a"}) || len(p.removeFinalizer) != 0 || len(p.status.UncountedTerminatedPods.Failed) != 0 {
		t.Errorf("del %v, want a deleted without being counted", names(p.del))
	}
	j.Status = p.status
	if p = decideAt(j, t0); p.status.StartTime != nil || len(p.create) != 0 {
		t.Errorf("startTime %v create %v, want cleared and nothing created", p.status.StartTime, p.create)
	}
	j.Status = p.status
	j.Spec.Suspend = ptr(false)
	later := t0.Add(time.Minute)
	p = decideAt(j, later)
	c = findCondition(p.status.Conditions, batchv1.JobSuspended)
	if c.Status != v1.ConditionFalse || c.Reason != "JobResumed" || !p.status.StartTime.Time.Equal(later) || len(p.create) != 2 {
		t.Errorf("condition %+v startTime %v create %v, want resumed now with 2 pods", c, p.status.StartTime, p.create)
	}
}

// Indexed: lowest free indexes, completed indexes as ranges, bad and
// duplicate indexes deleted.
func TestJobDecideIndexed(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
		j.Spec.Completions, j.Spec.Parallelism = ptr[int32](5), ptr[int32](3)
		j.Status.StartTime = &metav1.Time{Time: t0}
		j.Status.CompletedIndexes, j.Status.Succeeded = "0", 1
	})
	ps := []*v1.Pod{
		testPod("s2", v1.PodSucceeded, withIndex(2)),
		testPod("s0-again", v1.PodSucceeded, withIndex(0)),
		testPod("r1", v1.PodRunning, withIndex(1)),
		testPod("r1-dup", v1.PodRunning, withIndex(1)),
		testPod("r9", v1.PodRunning, withIndex(9)),
	}
	p := decideAt(j, t0, ps...)
	if p.status.CompletedIndexes != "0,2" {
		t.Errorf("completedIndexes %q, want \"0,2\"", p.status.CompletedIndexes)
	}
	if got := p.status.UncountedTerminatedPods.Succeeded; !slices.Equal(got, []types.UID{"s2-uid"}) {
		t.Errorf("uncounted succeeded %v, want only s2 (index 0 was done)", got)
	}
	if !slices.Equal(names(p.del), []string{"r1-dup", "r9"}) {
		t.Errorf("del %v, want the duplicate and the out-of-range pod", names(p.del))
	}
	// want min(3, 5-2) = 3 active; r1 runs: indexes 3 and 4.
	if !slices.Equal(p.create, []int{3, 4}) {
		t.Errorf("create %v, want [3 4]", p.create)
	}
}

// A work queue (no completions) is done when one pod succeeded and none
// runs; meanwhile no new pods start.
func TestJobDecideWorkQueue(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.Completions = nil
		j.Status.StartTime = &metav1.Time{Time: t0}
	})
	p := decideAt(j, t0, testPod("ok", v1.PodSucceeded), testPod("run", v1.PodRunning))
	if p.final != nil || len(p.create) != 0 || len(p.del) != 0 {
		t.Errorf("final %v create %v del %v, want to wait for run", p.final, p.create, names(p.del))
	}
	p = decideAt(j, t0, testPod("ok", v1.PodSucceeded), testPod("run", v1.PodSucceeded))
	if p.final == nil || p.final.Type != batchv1.JobComplete {
		t.Errorf("final %v, want Complete", p.final)
	}
}

// podFailurePolicy: FailJob fails the job with upstream's message, Ignore
// does not count, and a pod deleted before finishing is not a failure
// until it has a phase.
func TestJobDecidePodFailurePolicy(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Status.StartTime = &metav1.Time{Time: t0}
		j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
			{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: v1.DisruptionTarget, Status: v1.ConditionTrue}}},
			{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
		}}
	})
	evicted := testPod("evicted", v1.PodFailed, exited(137, t0), func(p *v1.Pod) {
		p.Status.Conditions = []v1.PodCondition{{Type: v1.DisruptionTarget, Status: v1.ConditionTrue}}
	})
	dying := testPod("dying", v1.PodRunning, deleted)
	p := decideAt(j, t0, evicted, dying)
	if len(p.status.UncountedTerminatedPods.Failed) != 0 || !slices.Equal(names(p.removeFinalizer), []string{"evicted"}) {
		t.Errorf("uncounted %v removeFinalizer %v, want the evicted pod ignored but released, the dying one kept", p.status.UncountedTerminatedPods, names(p.removeFinalizer))
	}
	if findCondition(p.status.Conditions, batchv1.JobFailureTarget) != nil {
		t.Errorf("conditions %+v, want no failure", p.status.Conditions)
	}
	p = decideAt(j, t0, testPod("bad", v1.PodFailed, exited(42, t0)))
	c := findCondition(p.status.Conditions, batchv1.JobFailureTarget)
	if c == nil || c.Reason != "PodFailurePolicy" || c.Message != "Container c for pod ns/bad failed with exit code 42 matching FailJob rule at index 1" {
		t.Errorf("conditions %+v, want FailureTarget PodFailurePolicy with upstream's message", p.status.Conditions)
	}
}

// Without a pod failure policy, a pod deleted before it finished counts
// as failed (it may never get a phase).
func TestJobDecideDeletedPodCountsFailed(t *testing.T) {
	j := testJob(func(j *batchv1.Job) { j.Status.StartTime = &metav1.Time{Time: t0} })
	p := decideAt(j, t0, testPod("gone", v1.PodRunning, deleted))
	if got := p.status.UncountedTerminatedPods.Failed; !slices.Equal(got, []types.UID{"gone-uid"}) || *p.status.Terminating != 1 {
		t.Errorf("uncounted failed %v terminating %v, want gone counted and terminating", got, *p.status.Terminating)
	}
}

// Unmet expectations: no pods created or deleted, status still tracked.
func TestJobDecideWaitsForExpectations(t *testing.T) {
	p := decide(input{job: testJob(), tracked: hasTrackingFinalizer, now: t0, canManage: false})
	if len(p.create) != 0 || p.status.Active != 0 {
		t.Errorf("create %v, want none while expectations are unmet", p.create)
	}
}

// A finished job only releases its pods' finalizers.
func TestJobDecideFinishedJob(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: v1.ConditionTrue}}
	})
	p := decideAt(j, t0, testPod("left", v1.PodRunning))
	if !slices.Equal(names(p.removeFinalizer), []string{"left"}) || len(p.create)+len(p.del) != 0 {
		t.Errorf("plan %+v, want only the finalizer removed", p)
	}
}

// RestartPolicy OnFailure: container restarts count against backoffLimit.
func TestJobDecideOnFailureRestarts(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.BackoffLimit = ptr[int32](2)
		j.Spec.Template.Spec.RestartPolicy = v1.RestartPolicyOnFailure
		j.Status.StartTime = &metav1.Time{Time: t0}
	})
	p := decideAt(j, t0, testPod("r", v1.PodRunning, func(p *v1.Pod) {
		p.Status.ContainerStatuses = []v1.ContainerStatus{{Name: "c", RestartCount: 2}}
	}))
	if c := findCondition(p.status.Conditions, batchv1.JobFailureTarget); c == nil || c.Reason != "BackoffLimitExceeded" {
		t.Errorf("conditions %+v, want BackoffLimitExceeded from restarts", p.status.Conditions)
	}
}

// A pod counted as failed when it was deleted may still end Succeeded:
// the in-memory record keeps its back-off.
func TestJobDecideBackoffRemembered(t *testing.T) {
	j := testJob(func(j *batchv1.Job) {
		j.Spec.Parallelism, j.Spec.Completions = ptr[int32](1), ptr[int32](1)
		j.Status.StartTime = &metav1.Time{Time: t0}
		j.Status.Failed = 1
	})
	rec := backoffRecord{}.add(nil, []time.Time{t0.Add(-time.Second)})
	gone := testPod("gone", v1.PodSucceeded, deleted, exited(0, t0), func(p *v1.Pod) { p.Finalizers = nil })
	p := decide(input{job: j, pods: []*v1.Pod{gone}, tracked: hasTrackingFinalizer, now: t0, canManage: true, backoff: &rec})
	if len(p.create) != 0 || p.requeue != 9*time.Second {
		t.Errorf("create %v requeue %v, want no pod for 9 s", p.create, p.requeue)
	}
}
