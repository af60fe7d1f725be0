package job

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
)

func uncountedOf(j *batchv1.Job) *batchv1.UncountedTerminatedPods {
	if j.Status.UncountedTerminatedPods == nil {
		return &batchv1.UncountedTerminatedPods{}
	}
	return j.Status.UncountedTerminatedPods
}

// startTime is set when the job first runs, and reset when it is resumed
// (activeDeadlineSeconds counts continuous running time), as upstream.
func (s *jobState) startTime() {
	if isSuspended(s.job) {
		return
	}
	if hasCondition(s.st.Conditions, batchv1.JobSuspended) {
		setCondition(&s.st.Conditions, batchv1.JobSuspended, v1.ConditionFalse, "JobResumed", "Job resumed", s.now)
		s.p.events = append(s.p.events, event{v1.EventTypeNormal, "Resumed", "Job resumed"})
		s.st.StartTime = &s.now
	}
	if s.st.StartTime == nil {
		s.st.StartTime = &s.now
	}
}

// failure is why the job fails now, if it does: a failure already
// decided, a FailJob rule, too many failures, or its deadline.
func (s *jobState) failure() (reason, msg string) {
	if c := findCondition(s.st.Conditions, batchv1.JobFailureTarget); c != nil && c.Status == v1.ConditionTrue {
		return c.Reason, c.Message
	}
	if s.failJob != "" {
		return batchv1.JobReasonPodFailurePolicy, s.failJob
	}
	failed := int(s.st.Failed) + len(s.uFail)
	limit := 6
	if s.job.Spec.BackoffLimit != nil {
		limit = int(*s.job.Spec.BackoffLimit)
	}
	if failed > limit || s.restartsExceed(limit) {
		return batchv1.JobReasonBackoffLimitExceeded, msgBackoffLimit
	}
	if s.pastDeadline() {
		return batchv1.JobReasonDeadlineExceeded, msgDeadline
	}
	return s.indexFailure()
}

// restartsExceed: with restartPolicy OnFailure the kubelet restarts the
// containers in place, so upstream counts their restarts against the
// backoffLimit.
func (s *jobState) restartsExceed(limit int) bool {
	if s.job.Spec.Template.Spec.RestartPolicy != v1.RestartPolicyOnFailure {
		return false
	}
	n := 0
	for _, p := range s.in.pods {
		if !isTerminal(p) && p.DeletionTimestamp == nil {
			for _, cs := range p.Status.InitContainerStatuses {
				n += int(cs.RestartCount)
			}
			for _, cs := range p.Status.ContainerStatuses {
				n += int(cs.RestartCount)
			}
		}
	}
	if limit == 0 {
		return n > 0
	}
	return n >= limit
}

func (s *jobState) pastDeadline() bool {
	ads := s.job.Spec.ActiveDeadlineSeconds
	if ads == nil || s.st.StartTime == nil || isSuspended(s.job) {
		return false
	}
	return !s.in.now.Before(s.st.StartTime.Add(time.Duration(*ads) * time.Second))
}

func (s *jobState) deadlineRequeue() {
	ads := s.job.Spec.ActiveDeadlineSeconds
	if ads == nil || s.st.StartTime == nil || isSuspended(s.job) || s.p.final != nil {
		return
	}
	if d := s.st.StartTime.Add(time.Duration(*ads) * time.Second).Sub(s.in.now); d > 0 {
		s.requeue(d)
	}
}

func (s *jobState) requeue(d time.Duration) {
	if d > 0 && (s.p.requeue == 0 || d < s.p.requeue) {
		s.p.requeue = d
	}
}

// succeeded: enough pods succeeded (for a job without completions: one
// did and none still runs), an Indexed job's successPolicy is met, or
// that was decided before. It returns the reason and message.
func (s *jobState) succeeded() (reason, msg string, ok bool) {
	if c := findCondition(s.st.Conditions, batchv1.JobSuccessCriteriaMet); c != nil && c.Status == v1.ConditionTrue {
		return c.Reason, c.Message, true
	}
	switch {
	case isIndexed(s.job):
		if msg, ok := matchSuccessPolicy(s.job.Spec.SuccessPolicy, s.completed, completions(s.job)); ok {
			return batchv1.JobReasonSuccessPolicy, msg, true
		}
		ok = len(s.completed) >= completions(s.job)
	case s.job.Spec.Completions != nil:
		ok = int(s.st.Succeeded)+len(s.uSucc) >= completions(s.job)
	default:
		ok = int(s.st.Succeeded)+len(s.uSucc) > 0 && len(s.active) == 0
	}
	return batchv1.JobReasonCompletionsReached, msgCompletionsReached, ok
}

// finishing sets the interim condition (FailureTarget or
// SuccessCriteriaMet) and deletes the pods still running; the terminal
// condition follows when they are all gone. On failure the killed pods
// count as failed.
func (s *jobState) finishing(interim, final batchv1.JobConditionType, reason, msg string, failed bool) {
	setCondition(&s.st.Conditions, interim, v1.ConditionTrue, reason, msg, s.now)
	for _, p := range s.active {
		if failed && s.in.tracked(p) && !s.uFail[p.UID] {
			s.uFail[p.UID] = true
			s.p.removeFinalizer = append(s.p.removeFinalizer, p)
		}
		s.p.del = append(s.p.del, p)
	}
	s.p.final = &batchv1.JobCondition{Type: final, Status: v1.ConditionTrue, Reason: reason, Message: msg,
		LastProbeTime: s.now, LastTransitionTime: s.now}
}

// suspend deletes the running pods (not counted as failures) and says so
// in the Suspended condition; startTime is cleared once none runs.
func (s *jobState) suspend() {
	if setCondition(&s.st.Conditions, batchv1.JobSuspended, v1.ConditionTrue, "JobSuspended", "Job suspended", s.now) {
		s.p.events = append(s.p.events, event{v1.EventTypeNormal, "Suspended", "Job suspended"})
	}
	if s.in.canManage {
		s.p.del = append(s.p.del, s.active...)
	}
	if len(s.active) == 0 {
		s.st.StartTime = nil
	}
}
