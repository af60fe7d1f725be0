// Package expectations remembers the creations and deletions a controller
// asked for and has not yet seen in its informers, so that a reconcile
// running on a lagging cache does not act twice (upstream's
// ControllerExpectations with UID-tracked deletions).
package expectations

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// Timeout is how long unmet expectations hold a controller back: a watch
// event that never comes (a create that failed silently) must not block it
// forever.
const Timeout = 5 * time.Minute

// Expectations is safe for concurrent use.
type Expectations struct {
	clock clock.PassiveClock
	mu    sync.Mutex
	keys  map[string]*entry
}

type entry struct {
	adds    int
	deletes map[types.UID]bool
	set     time.Time
}

// New makes an empty set of expectations.
func New() *Expectations { return NewWithClock(clock.RealClock{}) }

// NewWithClock is New with a clock for tests.
func NewWithClock(c clock.PassiveClock) *Expectations {
	return &Expectations{clock: c, keys: map[string]*entry{}}
}

// Satisfied reports whether the controller of key may act on its cache:
// nothing is expected, everything expected was seen, or the expectations
// timed out.
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.keys[key]
	if !ok {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.clock.Since(x.set) > Timeout
}

// ExpectCreations records that n creations are on their way, replacing
// what was expected before.
func (e *Expectations) ExpectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keys[key] = &entry{adds: n, deletes: map[types.UID]bool{}, set: e.clock.Now()}
}

// ExpectDeletions records the UIDs of objects being deleted, replacing
// what was expected before.
func (e *Expectations) ExpectDeletions(key string, uids []types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &entry{deletes: map[types.UID]bool{}, set: e.clock.Now()}
	for _, u := range uids {
		x.deletes[u] = true
	}
	e.keys[key] = x
}

// CreationObserved counts one expected creation as seen (an informer add,
// or a creation that failed and will never be seen).
func (e *Expectations) CreationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.keys[key]; ok {
		x.adds--
	}
}

// DeletionObserved marks the deletion of uid as seen (an informer delete,
// a deletion timestamp, or a delete that failed).
func (e *Expectations) DeletionObserved(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.keys[key]; ok {
		delete(x.deletes, uid)
	}
}

// Forget drops the expectations of key (its controller object is gone).
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.keys, key)
}
