package endpointslice

import (
	"sync"
	"time"

	discovery "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
)

// deletionExpected marks a slice this controller deleted.
const deletionExpected = -1

// staleTimeout bounds how long a cache may look stale after a write: a
// write the informer never shows (a slice created and deleted while the
// watch was relisting) must not hold its owner back forever.
const staleTimeout = time.Minute

// Tracker remembers the generation of every slice a controller wrote, per
// owner, so that a reconcile running on a lagging informer cache does not
// act on old state (creating duplicate slices, say): upstream's
// EndpointSliceTracker. Safe for concurrent use.
type Tracker struct {
	mu    sync.Mutex
	gens  map[string]map[types.UID]int64 // owner key → slice UID → generation
	wrote map[string]time.Time           // owner key → last write
	now   func() time.Time
}

// NewTracker makes an empty tracker.
func NewTracker() *Tracker {
	return &Tracker{gens: map[string]map[types.UID]int64{}, wrote: map[string]time.Time{}, now: time.Now}
}

// Written records a slice as the API server returned it after a create or
// update.
func (t *Tracker) Written(owner string, s *discovery.EndpointSlice) {
	t.set(owner, s.UID, s.Generation)
}

// Deleted records that this controller deleted the slice.
func (t *Tracker) Deleted(owner string, s *discovery.EndpointSlice) {
	t.set(owner, s.UID, deletionExpected)
}

func (t *Tracker) set(owner string, uid types.UID, gen int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.gens[owner]
	if m == nil {
		m = map[types.UID]int64{}
		t.gens[owner] = m
	}
	m[uid] = gen
	t.wrote[owner] = t.now()
}

// ShouldSync reports whether an informer's add or update of a slice is
// news to its owner's controller: a slice it never wrote, or one changed
// since (someone else edited it).
func (t *Tracker) ShouldSync(owner string, s *discovery.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.gens[owner][s.UID]
	return !ok || s.Generation > g
}

// HandleDeletion forgets a slice the informer saw deleted; it reports
// whether this controller expected that (else the owner must resync).
func (t *Tracker) HandleDeletion(owner string, s *discovery.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.gens[owner]
	g, ok := m[s.UID]
	delete(m, s.UID)
	return !ok || g == deletionExpected
}

// Stale reports whether the cached slices of an owner are older than what
// the controller wrote: a written slice missing or at an older generation,
// or a deleted one still present. After staleTimeout without a write the
// tracker gives up on the owner's writes and trusts the cache.
func (t *Tracker) Stale(owner string, cached []*discovery.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stale(owner, cached) {
		return false
	}
	if t.now().Sub(t.wrote[owner]) > staleTimeout {
		delete(t.gens, owner)
		delete(t.wrote, owner)
		return false
	}
	return true
}

func (t *Tracker) stale(owner string, cached []*discovery.EndpointSlice) bool {
	byUID := make(map[types.UID]*discovery.EndpointSlice, len(cached))
	for _, s := range cached {
		byUID[s.UID] = s
	}
	for uid, g := range t.gens[owner] {
		s, present := byUID[uid]
		switch {
		case g == deletionExpected && present:
			return true
		case g != deletionExpected && !present:
			return true
		case present && s.Generation < g:
			return true
		}
	}
	return false
}

// Forget drops an owner (it was deleted).
func (t *Tracker) Forget(owner string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.gens, owner)
	delete(t.wrote, owner)
}
