package job

import (
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"orca/internal/controller/pods"
)

// The decision of one reconcile, computed from observed state only.
//
// Pod tracking follows upstream's finalizer protocol: every pod carries
// the batch.kubernetes.io/job-tracking finalizer; a pod that finished is
// first recorded by UID in status.uncountedTerminatedPods (write 1), then
// its finalizer is removed, then it is moved into status.succeeded or
// status.failed (write 2). A crash between the steps neither loses nor
// double-counts a pod, and pods deleted by others (pod GC, eviction) are
// still counted.

// input is what the decision reads.
type input struct {
	job  *batchv1.Job
	pods []*v1.Pod // owned by the job
	// tracked: the pod has the tracking finalizer and no removal of it
	// is in flight (the cache may lag behind our patches).
	tracked func(*v1.Pod) bool
	now     time.Time
	// canManage: expectations are met, so pods may be created or deleted.
	canManage bool
	// backoff is the job's in-memory back-off record; nil when there is
	// none (a restart): it is rebuilt from the pods.
	backoff *backoffRecord
}

// event is one event to record on the job.
type event struct{ typ, reason, msg string }

// plan is what the reconcile does, in this order: write status, remove
// finalizers, delete pods, create pods, then flush (see flush).
type plan struct {
	status          batchv1.JobStatus
	removeFinalizer []*v1.Pod
	del             []*v1.Pod // active pods to delete
	create          []int     // indexes of pods to create (-1: NonIndexed)
	// counts: the failure counts the new pod of an index carries, under
	// backoffLimitPerIndex.
	counts  map[int]indexCounts
	events  []event
	requeue time.Duration
	// final is the terminal condition (Complete or Failed) to add once the
	// uncounted pods are flushed; nil while pods are still running or
	// terminating.
	final *batchv1.JobCondition
	// backoff is the record with this round's newly counted pods.
	backoff backoffRecord
}

// jobState carries the working values of one decision.
type jobState struct {
	in        input
	job       *batchv1.Job
	st        *batchv1.JobStatus
	now       metav1.Time
	uSucc     map[types.UID]bool
	uFail     map[types.UID]bool
	completed indexSet
	failedIx  indexSet // indexes failed under backoffLimitPerIndex
	failJob   string   // a FailJob rule matched: the message
	active    []*v1.Pod
	newSucc   []time.Time // finish times of newly counted pods
	newFail   []time.Time
	p         plan
}

func decide(in input) plan {
	s := &jobState{in: in, job: in.job, now: metav1.NewTime(in.now)}
	s.st = in.job.Status.DeepCopy()
	if s.st.UncountedTerminatedPods == nil {
		s.st.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	if isFinished(in.job) || in.job.DeletionTimestamp != nil {
		// Nothing runs any more; just let the pods go.
		for _, p := range in.pods {
			if in.tracked(p) {
				s.p.removeFinalizer = append(s.p.removeFinalizer, p)
			}
		}
		s.p.status = *s.st
		return s.p
	}
	s.loadUncounted()
	s.countFinished()
	if in.backoff != nil {
		s.p.backoff = in.backoff.add(s.newSucc, s.newFail)
	} else {
		s.p.backoff = podsBackoff(in.pods, func(p *v1.Pod) bool { return podFailed(in.job, p) })
	}
	terminating := 0
	for _, p := range in.pods {
		switch {
		case pods.IsActive(p):
			s.active = append(s.active, p)
		case p.DeletionTimestamp != nil && !isTerminal(p):
			terminating++
		}
	}
	s.startTime()
	if reason, msg := s.failure(); reason != "" {
		s.finishing(batchv1.JobFailureTarget, batchv1.JobFailed, reason, msg, true)
	} else if reason, msg, ok := s.succeeded(); ok {
		s.finishing(batchv1.JobSuccessCriteriaMet, batchv1.JobComplete, reason, msg, false)
	} else if isSuspended(s.job) {
		s.suspend()
	} else if in.canManage {
		s.manage()
	}
	if s.p.final != nil && (terminating > 0 || len(s.p.del) > 0) {
		s.p.final = nil // wait for the pods to be gone
	}
	s.deadlineRequeue()
	s.st.Active = int32(len(s.active) - len(s.p.del) + len(s.p.create))
	s.st.Ready = ptr(s.readyKept())
	s.st.Terminating = ptr(int32(terminating + len(s.p.del)))
	s.storeUncounted()
	s.p.status = *s.st
	return s.p
}

func ptr[T any](v T) *T { return &v }

// readyKept counts the ready active pods not being deleted now.
func (s *jobState) readyKept() int32 {
	var n int32
	for _, p := range s.active {
		if pods.IsReady(p) && !slices.Contains(s.p.del, p) {
			n++
		}
	}
	return n
}

func isTerminal(p *v1.Pod) bool {
	return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed
}

func isSuspended(j *batchv1.Job) bool { return j.Spec.Suspend != nil && *j.Spec.Suspend }

func isIndexed(j *batchv1.Job) bool {
	return j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion
}

func completions(j *batchv1.Job) int {
	if j.Spec.Completions == nil {
		return 0
	}
	return int(*j.Spec.Completions)
}

// onlyReplaceFailed: a pod being deleted is neither failed nor replaced
// until it has a terminal phase (podReplacementPolicy Failed, implied by a
// podFailurePolicy).
func onlyReplaceFailed(j *batchv1.Job) bool {
	return j.Spec.PodFailurePolicy != nil ||
		(j.Spec.PodReplacementPolicy != nil && *j.Spec.PodReplacementPolicy == batchv1.Failed)
}

// podFailed: the pod counts as a failure. A pod deleted before it
// finished counts too, as upstream: it may never reach a terminal phase.
func podFailed(j *batchv1.Job, p *v1.Pod) bool {
	if p.Status.Phase == v1.PodFailed {
		return true
	}
	return !onlyReplaceFailed(j) && p.DeletionTimestamp != nil && p.Status.Phase != v1.PodSucceeded
}

func (s *jobState) loadUncounted() {
	s.uSucc, s.uFail = map[types.UID]bool{}, map[types.UID]bool{}
	for _, u := range s.st.UncountedTerminatedPods.Succeeded {
		s.uSucc[u] = true
	}
	for _, u := range s.st.UncountedTerminatedPods.Failed {
		s.uFail[u] = true
	}
	if isIndexed(s.job) {
		s.completed = parseIndexes(s.st.CompletedIndexes, completions(s.job))
	}
	if perIndex(s.job) {
		failed := ""
		if s.st.FailedIndexes != nil {
			failed = *s.st.FailedIndexes
		}
		s.failedIx = parseIndexes(failed, completions(s.job))
	}
}

// countFinished records newly finished tracked pods as uncounted and
// marks every finished tracked pod for finalizer removal.
func (s *jobState) countFinished() {
	for _, p := range s.in.pods {
		if !s.in.tracked(p) {
			continue
		}
		if s.uSucc[p.UID] || s.uFail[p.UID] {
			s.p.removeFinalizer = append(s.p.removeFinalizer, p)
			continue
		}
		switch {
		case p.Status.Phase == v1.PodSucceeded:
			s.countSucceeded(p)
		case podFailed(s.job, p):
			v := policyVerdict{count: true}
			if p.Status.Phase == v1.PodFailed {
				v = matchFailurePolicy(s.job.Spec.PodFailurePolicy, p)
			}
			if v.count {
				s.uFail[p.UID] = true
				s.newFail = append(s.newFail, finishTime(p))
			}
			s.countIndexFailure(p, v)
			if v.failJob != "" && s.failJob == "" {
				s.failJob = v.failJob
			}
		default:
			continue
		}
		s.p.removeFinalizer = append(s.p.removeFinalizer, p)
	}
}

// countSucceeded: in an Indexed job only the first success of a valid
// index counts.
func (s *jobState) countSucceeded(p *v1.Pod) {
	s.newSucc = append(s.newSucc, finishTime(p))
	if !isIndexed(s.job) {
		s.uSucc[p.UID] = true
		return
	}
	ix := podIndex(p)
	if ix >= 0 && ix < completions(s.job) && !s.completed[ix] {
		s.completed[ix] = true
		s.uSucc[p.UID] = true
	}
}

func (s *jobState) storeUncounted() {
	u := &batchv1.UncountedTerminatedPods{}
	// Keep the existing order, then append the new UIDs.
	seen := map[types.UID]bool{}
	for _, x := range uncountedOf(s.job).Succeeded {
		if s.uSucc[x] {
			u.Succeeded, seen[x] = append(u.Succeeded, x), true
		}
	}
	for _, p := range s.in.pods {
		if s.uSucc[p.UID] && !seen[p.UID] {
			u.Succeeded, seen[p.UID] = append(u.Succeeded, p.UID), true
		}
	}
	for _, x := range uncountedOf(s.job).Failed {
		if s.uFail[x] {
			u.Failed, seen[x] = append(u.Failed, x), true
		}
	}
	for _, p := range s.in.pods {
		if s.uFail[p.UID] && !seen[p.UID] {
			u.Failed, seen[p.UID] = append(u.Failed, p.UID), true
		}
	}
	s.st.UncountedTerminatedPods = u
	if isIndexed(s.job) {
		s.st.CompletedIndexes = s.completed.String()
	}
	if perIndex(s.job) {
		s.st.FailedIndexes = ptr(s.failedIx.String())
	}
}
