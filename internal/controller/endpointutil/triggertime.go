package endpointutil

import (
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"

	"orca/internal/controller/pods"
)

// TriggerTimeTracker computes the endpoints.kubernetes.io/last-change-trigger-time
// annotation as upstream does: the earliest change (a pod's Ready
// transition, or the Service's creation) not yet reflected by an earlier
// sync; a Service seen for the first time reports its creation time.
// Safe for concurrent use (one sync per Service at a time).
type TriggerTimeTracker struct {
	mu     sync.Mutex
	states map[string]triggerState
}

type triggerState struct {
	pods    map[string]podTrigger
	service time.Time
}

// podTrigger is a pod's Ready condition as last seen. The status is kept
// too: transition times have second precision, and a pod that turns Ready
// within the second it got its condition keeps the same time.
type podTrigger struct {
	at     time.Time
	status v1.ConditionStatus
}

// NewTriggerTimeTracker makes an empty tracker.
func NewTriggerTimeTracker() *TriggerTimeTracker {
	return &TriggerTimeTracker{states: map[string]triggerState{}}
}

// Compute returns the trigger time for a sync of svc over its pods (zero
// when nothing changed) and remembers what it saw.
func (t *TriggerTimeTracker) Compute(key string, svc *v1.Service, ps []*v1.Pod) time.Time {
	t.mu.Lock()
	old, known := t.states[key]
	t.mu.Unlock()
	var earliest time.Time
	earlier := func(x time.Time) {
		if earliest.IsZero() || x.Before(earliest) {
			earliest = x
		}
	}
	cur := triggerState{pods: make(map[string]podTrigger, len(ps)), service: svc.CreationTimestamp.Time}
	for _, p := range ps {
		c := pods.ReadyCondition(p)
		if c == nil || c.LastTransitionTime.IsZero() {
			continue
		}
		pt := podTrigger{at: c.LastTransitionTime.Time, status: c.Status}
		cur.pods[p.Name] = pt
		if was := old.pods[p.Name]; pt.at.After(was.at) || pt.status != was.status {
			earlier(pt.at)
		}
	}
	if cur.service.After(old.service) {
		earlier(cur.service)
	}
	t.mu.Lock()
	t.states[key] = cur
	t.mu.Unlock()
	if !known {
		return svc.CreationTimestamp.Time
	}
	return earliest
}

// Forget drops a deleted Service.
func (t *TriggerTimeTracker) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.states, key)
}
