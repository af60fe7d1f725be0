package job

import (
	"time"

	v1 "k8s.io/api/core/v1"
)

// Upstream's pod re-creation back-off: 10 s after the first failure since
// the last success, doubling with each further one, at most 6 minutes.
const (
	backoffBase = 10 * time.Second
	backoffMax  = 6 * time.Minute
)

// backoffRecord is the failures since the latest success and when the
// latest failure was. The controller keeps one per job in memory, updated
// as pods are counted, because failed pods may be gone (deleted, evicted)
// and a deleted pod may still end Succeeded; after a restart it is rebuilt
// from the pods present (as upstream's backoff store).
type backoffRecord struct {
	failures    int
	lastFailure time.Time
	lastSuccess time.Time
}

// add applies newly counted successes and failures (their finish times).
func (r backoffRecord) add(succ, fail []time.Time) backoffRecord {
	for _, t := range succ {
		if t.After(r.lastSuccess) {
			r.lastSuccess = t
		}
	}
	if !r.lastFailure.After(r.lastSuccess) {
		r.failures = 0
	}
	for _, t := range fail {
		if t.After(r.lastSuccess) {
			r.failures++
			if t.After(r.lastFailure) {
				r.lastFailure = t
			}
		}
	}
	return r
}

// podsBackoff is the record the finished pods present show.
func podsBackoff(ps []*v1.Pod, failed func(*v1.Pod) bool) backoffRecord {
	var succ, fail []time.Time
	for _, p := range ps {
		switch {
		case p.Status.Phase == v1.PodSucceeded:
			succ = append(succ, finishTime(p))
		case failed(p):
			fail = append(fail, finishTime(p))
		}
	}
	return backoffRecord{}.add(succ, fail)
}

// remaining is how long to wait before creating a replacement pod.
func (r backoffRecord) remaining(now time.Time) time.Duration {
	if r.failures == 0 {
		return 0
	}
	delay := backoffBase
	for i := 1; i < r.failures && delay < backoffMax; i++ {
		delay *= 2
	}
	delay = min(delay, backoffMax)
	return max(r.lastFailure.Add(delay).Sub(now), 0)
}

// finishTime is when a pod finished: its containers' latest finish, else
// when it stopped being ready, else when it was deleted, else its
// creation (as upstream).
func finishTime(p *v1.Pod) time.Time {
	var t time.Time
	for _, list := range [][]v1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
				t = term.FinishedAt.Time
			}
		}
	}
	if !t.IsZero() {
		return t
	}
	for _, c := range p.Status.Conditions {
		if c.Type == v1.PodReady && c.Status == v1.ConditionFalse && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time
		}
	}
	if p.DeletionTimestamp != nil {
		// The deletion timestamp is when the grace period ends; the
		// pod was deleted that much earlier.
		var grace int64
		if p.DeletionGracePeriodSeconds != nil {
			grace = *p.DeletionGracePeriodSeconds
		}
		return p.DeletionTimestamp.Add(-time.Duration(grace) * time.Second)
	}
	return p.CreationTimestamp.Time
}
