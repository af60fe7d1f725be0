package loop

import (
	"sync"
	"time"
)

// pacer spaces out the reconciles of expensive keys: after a reconcile
// that took d, its key waits until factor·d (at most max) has passed
// since it ended. Cheap keys are not held back.
type pacer struct {
	factor int
	max    time.Duration

	mu   sync.Mutex
	next map[string]time.Time // earliest next start of a paced key
}

// pacedBelow: a reconcile shorter than this leaves its key unpaced.
const pacedBelow = time.Millisecond

// wait is how long key must still wait before its next reconcile.
func (p *pacer) wait(key string, now time.Time) time.Duration {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.next[key]
	if !ok {
		return 0
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	delete(p.next, key)
	return 0
}

// done records a reconcile of key from start to end.
func (p *pacer) done(key string, start, end time.Time) {
	if p == nil {
		return
	}
	d := end.Sub(start)
	p.mu.Lock()
	defer p.mu.Unlock()
	if d < pacedBelow {
		delete(p.next, key)
		return
	}
	p.next[key] = end.Add(min(time.Duration(p.factor)*d, p.max))
}
