package job

import (
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
)

// backoffLimitPerIndex: each index of an Indexed job has its own failure
// budget. Every pod carries, in an annotation, how many of its index's
// pods failed before it (and how many failures a podFailurePolicy
// ignored); a failed pod whose count already reached the limit, or one a
// FailIndex rule matched, fails its index for good. Failed indexes go to
// status.failedIndexes, get no more pods, and end the job: at once past
// maxFailedIndexes, else once every index has succeeded or failed.
// Replacements of an index wait out that index's own back-off.

const (
	msgMaxFailedIndexes = "Job has exceeded the specified maximal number of failed indexes"
	msgFailedIndexes    = "Job has failed indexes"
)

// perIndex: the job has backoffLimitPerIndex (only Indexed jobs may).
func perIndex(j *batchv1.Job) bool { return j.Spec.BackoffLimitPerIndex != nil && isIndexed(j) }

// indexCounts are the failures of an index before a pod of it: counted
// ones, and ones a podFailurePolicy Ignore rule matched.
type indexCounts struct{ failures, ignored int }

func podIndexCounts(p *v1.Pod) indexCounts {
	return indexCounts{
		failures: annotationInt(p, batchv1.JobIndexFailureCountAnnotation),
		ignored:  annotationInt(p, batchv1.JobIndexIgnoredFailureCountAnnotation),
	}
}

// annotationInt: a missing or malformed count is 0, as upstream.
func annotationInt(p *v1.Pod, key string) int {
	n, err := strconv.Atoi(p.Annotations[key])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// countIndexFailure records that the newly finished failed pod p fails
// its index, if it does.
func (s *jobState) countIndexFailure(p *v1.Pod, v policyVerdict) {
	if !perIndex(s.job) {
		return
	}
	ix := podIndex(p)
	if ix < 0 || ix >= completions(s.job) || s.completed[ix] {
		return
	}
	if v.failIndex || (v.count && podIndexCounts(p).failures >= int(*s.job.Spec.BackoffLimitPerIndex)) {
		s.failedIx[ix] = true
	}
}

// indexFailure is why the failed indexes end the job now, if they do.
func (s *jobState) indexFailure() (reason, msg string) {
	if !perIndex(s.job) || len(s.failedIx) == 0 {
		return "", ""
	}
	if m := s.job.Spec.MaxFailedIndexes; m != nil && len(s.failedIx) > int(*m) {
		return batchv1.JobReasonMaxFailedIndexesExceeded, msgMaxFailedIndexes
	}
	if len(s.failedIx)+len(s.completed) >= completions(s.job) {
		return batchv1.JobReasonFailedIndexes, msgFailedIndexes
	}
	return "", ""
}

// lastFailures maps each index to its latest failed pod still present,
// the one a new pod of the index replaces.
func (s *jobState) lastFailures() map[int]*v1.Pod {
	last := map[int]*v1.Pod{}
	for _, p := range s.in.pods {
		if !podFailed(s.job, p) {
			continue
		}
		ix := podIndex(p)
		if q := last[ix]; q == nil || finishTime(p).After(finishTime(q)) {
			last[ix] = p
		}
	}
	return last
}

// nextCounts are the counts a pod replacing the failed pod last carries.
func (s *jobState) nextCounts(last *v1.Pod) indexCounts {
	if last == nil {
		return indexCounts{}
	}
	c := podIndexCounts(last)
	v := policyVerdict{count: true}
	if last.Status.Phase == v1.PodFailed {
		v = matchFailurePolicy(s.job.Spec.PodFailurePolicy, last)
	}
	if v.count {
		c.failures++
	} else {
		c.ignored++
	}
	return c
}

// indexBackoff is how long a replacement for an index whose pods failed
// c.failures times waits after the last failure: upstream's doubling
// back-off, per index.
func indexBackoff(c indexCounts, lastFailure, now time.Time) time.Duration {
	return backoffRecord{failures: c.failures, lastFailure: lastFailure}.remaining(now)
}

// perIndexCreate picks up to n free indexes that are not failed and not
// backing off, with the counts their pods carry; it requeues for the
// first back-off to end.
func (s *jobState) perIndexCreate(n int) {
	last := s.lastFailures()
	for _, ix := range s.freeIndexes(completions(s.job)) {
		if len(s.p.create) == n {
			return
		}
		c := s.nextCounts(last[ix])
		if last[ix] != nil {
			if wait := indexBackoff(c, finishTime(last[ix]), s.in.now); wait > 0 {
				s.requeue(wait)
				continue
			}
		}
		if s.p.counts == nil {
			s.p.counts = map[int]indexCounts{}
		}
		s.p.create = append(s.p.create, ix)
		s.p.counts[ix] = c
	}
}
