package storage

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/watch"
)

// WatchEvent is one event as a watcher receives it. Object is shared with
// the cache and other watchers: never modify it. Bookmarks carry only RV.
type WatchEvent struct {
	Type   watch.EventType
	Object *Object
	RV     uint64
}

// Watch is one watcher's stream: Initial events first, then what Drain
// returns each time Ready fires, until Done closes (when the cache resets
// or the watcher falls too far behind; clients resume from their last
// resourceVersion). Pending events sit in a slice, so a watcher costs
// memory only for the backlog it actually has.
type Watch struct {
	Initial []WatchEvent
	// InitialRV is the revision the initial events reflect.
	InitialRV uint64

	mu        sync.Mutex
	pending   []WatchEvent
	ready     chan struct{} // holds a token while pending is non-empty
	done      chan struct{}
	prefix    string
	pred      Predicate
	trigger   trigger
	bookmarks bool
	c         *cacher
	once      sync.Once
}

// Ready fires when events are waiting; Drain takes them.
func (w *Watch) Ready() <-chan struct{} { return w.ready }

// Drain returns the waiting events. Pass back the slice the previous call
// returned (once done with it) so the two alternate without allocating.
func (w *Watch) Drain(reuse []WatchEvent) []WatchEvent {
	clear(reuse) // drop references to delivered objects
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.pending
	w.pending = reuse[:0]
	return out
}

// push queues events; false means the backlog is too long and the watcher
// must end (its client resumes from the last event it saw).
func (w *Watch) push(evs ...WatchEvent) bool {
	w.mu.Lock()
	if len(w.pending)+len(evs) > maxBacklog {
		w.mu.Unlock()
		return false
	}
	w.pending = append(w.pending, evs...)
	w.mu.Unlock()
	select {
	case w.ready <- struct{}{}:
	default:
	}
	return true
}

func (w *Watch) backlog() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending)
}

// Done is closed when the watch has ended.
func (w *Watch) Done() <-chan struct{} { return w.done }

// Stop unregisters the watcher; safe to call more than once.
func (w *Watch) Stop() {
	w.c.mu.Lock()
	w.stopLocked()
	w.c.mu.Unlock()
}

func (w *Watch) stopLocked() {
	w.once.Do(func() {
		delete(w.c.watchers, w)
		w.c.watcherSet = nil
		close(w.done)
	})
}

// maxBacklog is how many undelivered events a watcher may have before it
// is ended: enough for bursts of thousands of writes per second, bounded
// so a stuck client cannot hold memory forever.
const maxBacklog = 10000

// Watch starts a watch on the objects under prefix. The resourceVersion
// semantics follow the Kubernetes watch API: "" and "0" begin with ADDED
// events for the current state, N replays every change after N (410 Gone
// if N is older than the event window), and sendInitialEvents=true begins
// with the state as of N (or now) whatever N is.
func (s *Store) Watch(ctx context.Context, prefix string, opts ListOptions) (*Watch, error) {
	c := s.cache
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	var rv uint64
	if opts.ResourceVersion != "" {
		var err error
		if rv, err = parseRV(opts.ResourceVersion); err != nil {
			return nil, err
		}
	}
	initial := opts.ResourceVersion == "" || rv == 0
	if opts.SendInitialEvents != nil {
		initial = *opts.SendInitialEvents
	}
	if opts.ResourceVersion == "" {
		// "Most recent": make sure the state (or, without initial events,
		// the starting point) includes every acknowledged write.
		cur, err := c.currentRevision(ctx)
		if err != nil {
			return nil, err
		}
		if err := c.catchUp(ctx, cur); err != nil {
			return nil, err
		}
	}
	if rv > 0 {
		if err := c.catchUp(ctx, rv); err != nil {
			return nil, err
		}
	}
	w := &Watch{ready: make(chan struct{}, 1), done: make(chan struct{}), prefix: prefix, pred: opts.Predicate, trigger: triggerOf(opts.Predicate), bookmarks: opts.AllowBookmarks, c: c}
	c.mu.Lock()
	defer c.mu.Unlock()
	if initial {
		for _, e := range c.selectLocked(prefix, opts.Predicate) {
			w.Initial = append(w.Initial, WatchEvent{Type: watch.Added, Object: e.obj, RV: c.rv})
		}
		w.InitialRV = c.rv
	} else if rv == 0 {
		// "" or "0" without initial events: only what happens from now on.
		w.InitialRV = c.rv
	} else {
		evs, ok := c.eventsAfterLocked(rv)
		if !ok {
			return nil, tooOld(rv, c.oldestRV)
		}
		for _, e := range evs {
			if we, ok := w.convert(e); ok {
				w.Initial = append(w.Initial, we)
			}
		}
		w.InitialRV = c.rv
	}
	c.watchers[w] = struct{}{}
	c.watcherSet = nil
	return w, nil
}

// convert turns a cache event into what this watcher sees: objects moving
// into its selection are ADDED, moving out are DELETED (with the content
// that matched, at the event's revision, as upstream).
func (w *Watch) convert(e *event) (WatchEvent, bool) {
	curIn := e.typ != watch.Deleted && w.selects(e.cur)
	prevIn := e.prev != nil && w.selects(e.prev)
	switch {
	case e.typ == watch.Deleted && prevIn:
		return WatchEvent{Type: watch.Deleted, Object: e.cur.obj, RV: e.rv}, true
	case curIn && prevIn:
		return WatchEvent{Type: watch.Modified, Object: e.cur.obj, RV: e.rv}, true
	case curIn:
		return WatchEvent{Type: watch.Added, Object: e.cur.obj, RV: e.rv}, true
	case prevIn:
		return WatchEvent{Type: watch.Deleted, Object: e.leftObject(), RV: e.rv}, true
	}
	return WatchEvent{}, false
}

func (w *Watch) selects(e *entry) bool {
	return hasPrefix(e.key, w.prefix) && w.pred.matches(&e.labels, &e.fields)
}

// watcherSetLocked is the watchers as dispatch reads them (watcherSet).
func (c *cacher) watcherSetLocked() *watcherSet {
	if c.watcherSet == nil {
		ws := make([]*Watch, 0, len(c.watchers))
		for w := range c.watchers {
			ws = append(ws, w)
		}
		c.watcherSet = newWatcherSet(ws)
	}
	return c.watcherSet
}

func (c *cacher) stopAllLocked() {
	for w := range c.watchers {
		w.stopLocked()
	}
}

// dispatch hands a batch of events to the watchers registered when the
// batch entered the ring. It never blocks: a watcher whose backlog grows
// past maxBacklog is stopped.
func dispatch(ws *watcherSet, batch []*event) {
	if len(batch) == 0 {
		return
	}
	var mine []WatchEvent
	send := func(w *Watch, events []*event) {
		mine = mine[:0]
		for _, e := range events {
			if we, ok := w.convert(e); ok {
				mine = append(mine, we)
			}
		}
		if len(mine) > 0 && !w.push(mine...) {
			w.Stop()
		}
	}
	for _, w := range ws.all {
		send(w, batch)
	}
	for field, byValue := range ws.byField {
		for value, events := range indexBatch(batch, field) {
			for _, w := range byValue[value] {
				send(w, events)
			}
		}
	}
}

func (c *cacher) sendBookmarks() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for w := range c.watchers {
		// A bookmark only helps a watcher that is not behind.
		if w.bookmarks && w.backlog() == 0 {
			w.push(WatchEvent{Type: watch.Bookmark, RV: c.rv})
		}
	}
}
