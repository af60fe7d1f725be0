package job

import (
	v1 "k8s.io/api/core/v1"

	"orca/internal/controller/pods"
)

// manage decides the pods to create and delete so that
// min(parallelism, remaining completions) run, as upstream's manageJob.
func (s *jobState) manage() {
	parallelism := 1
	if s.job.Spec.Parallelism != nil {
		parallelism = int(*s.job.Spec.Parallelism)
	}
	succeeded := int(s.st.Succeeded) + len(s.uSucc)
	var want int
	switch {
	case isIndexed(s.job):
		want = min(parallelism, completions(s.job)-len(s.completed)-len(s.failedIx))
	case s.job.Spec.Completions != nil:
		want = min(parallelism, completions(s.job)-succeeded)
	case succeeded > 0:
		// A work queue with one success: let the running pods finish,
		// start no new ones.
		want = len(s.active)
	default:
		want = parallelism
	}
	want = max(want, 0)
	active := s.active
	if isIndexed(s.job) {
		active = s.dropBadIndexes()
	}
	if len(active) > want {
		victims := append([]*v1.Pod(nil), active...)
		pods.SortForDeletion(victims)
		s.p.del = append(s.p.del, victims[:len(active)-want]...)
		return
	}
	n := want - len(active)
	if onlyReplaceFailed(s.job) {
		// Pods still terminating are not replaced yet.
		n -= s.terminating()
	}
	if n <= 0 {
		return
	}
	if perIndex(s.job) {
		s.perIndexCreate(n)
		return
	}
	if wait := s.p.backoff.remaining(s.in.now); wait > 0 {
		s.requeue(wait)
		return
	}
	if !isIndexed(s.job) {
		for i := 0; i < n; i++ {
			s.p.create = append(s.p.create, -1)
		}
		return
	}
	s.p.create = s.freeIndexes(n)
}

func (s *jobState) terminating() int {
	n := 0
	for _, p := range s.in.pods {
		if p.DeletionTimestamp != nil && !isTerminal(p) {
			n++
		}
	}
	return n
}

// dropBadIndexes deletes active pods of an Indexed job whose index is
// invalid, already completed or failed, or held by another active pod; it
// returns the rest.
func (s *jobState) dropBadIndexes() []*v1.Pod {
	var keep []*v1.Pod
	held := map[int]bool{}
	for _, p := range s.active {
		ix := podIndex(p)
		if ix < 0 || ix >= completions(s.job) || s.completed[ix] || s.failedIx[ix] || held[ix] {
			s.p.del = append(s.p.del, p)
			continue
		}
		held[ix] = true
		keep = append(keep, p)
	}
	return keep
}

// freeIndexes are the n lowest indexes neither completed, failed nor
// held by a running (or, when only failed pods are replaced, terminating)
// pod.
func (s *jobState) freeIndexes(n int) []int {
	held := map[int]bool{}
	for _, p := range s.in.pods {
		if isTerminal(p) {
			continue
		}
		if p.DeletionTimestamp == nil || onlyReplaceFailed(s.job) {
			held[podIndex(p)] = true
		}
	}
	var out []int
	for i := 0; i < completions(s.job) && len(out) < n; i++ {
		if !s.completed[i] && !s.failedIx[i] && !held[i] {
			out = append(out, i)
		}
	}
	return out
}
