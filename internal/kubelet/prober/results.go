package prober

import "sync"

// resultKey names one stored result. Container IDs are unique per instance,
// so a restarted container never sees its predecessor's results.
type resultKey struct {
	kind        probeKind
	containerID string
}

// resultStore holds the latest published result of every worker. Workers
// write it; Ready, Started and LivenessFailed read it from other goroutines.
type resultStore struct {
	mu sync.Mutex
	m  map[resultKey]Result
}

func newResultStore() *resultStore {
	return &resultStore{m: map[resultKey]Result{}}
}

func (s *resultStore) get(k resultKey) (Result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[k]
	return r, ok
}

// set stores r and reports whether it differs from what was stored, so the
// caller notifies the kubelet only on real changes.
func (s *resultStore) set(k resultKey, r Result) (changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.m[k]
	s.m[k] = r
	return !ok || old != r
}

func (s *resultStore) remove(k resultKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
}

func (s *resultStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
