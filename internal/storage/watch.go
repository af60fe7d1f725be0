package storage

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/watch"
)

// WatchEvent is one event as a watcher receives it. Object is shared with
// the cache and other watchers: never modify it. Bookmarks carry only RV.
type WatchEvent struct {
	Type   watch.EventType
	Object *Object
	RV     uint64
}

// Watch is one watcher's stream: Initial events first, then Events until
// Done closes (when the cache resets or the watcher falls too far behind;
// clients resume from their last resourceVersion).
type Watch struct {
	Initial []WatchEvent
	// InitialRV is the revision the initial events reflect.
	InitialRV uint64

	ch        chan WatchEvent
	done      chan struct{}
	prefix    string
	pred      Predicate
	bookmarks bool
	c         *cacher
	once      sync.Once
}

func (w *Watch) Events() <-chan WatchEvent { return w.ch }

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
		close(w.done)
	})
}

const watchBuffer = 128

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
	w := &Watch{ch: make(chan WatchEvent, watchBuffer), done: make(chan struct{}), prefix: prefix, pred: opts.Predicate, bookmarks: opts.AllowBookmarks, c: c}
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
	return hasPrefix(e.key, w.prefix) && w.pred.matches(e.labels, e.fields)
}

func (c *cacher) watcherListLocked() []*Watch {
	out := make([]*Watch, 0, len(c.watchers))
	for w := range c.watchers {
		out = append(out, w)
	}
	return out
}

func (c *cacher) stopAllLocked() {
	for w := range c.watchers {
		w.stopLocked()
	}
}

// slowBudget is how long one dispatch may wait in total for watchers whose
// buffers are full before it drops them.
const slowBudget = 100 * time.Millisecond

// dispatch sends a batch of events to the watchers registered when the
// batch entered the ring. A watcher that cannot keep up is stopped.
func dispatch(ws []*Watch, batch []*event) {
	if len(batch) == 0 {
		return
	}
	budget := time.NewTimer(slowBudget)
	defer budget.Stop()
	spent := false
	for _, w := range ws {
		for _, e := range batch {
			we, ok := w.convert(e)
			if !ok {
				continue
			}
			if !w.send(we, &spent, budget) {
				break
			}
		}
	}
}

// send delivers one event, waiting for a full buffer only while the
// dispatch's shared budget lasts.
func (w *Watch) send(we WatchEvent, spent *bool, budget *time.Timer) bool {
	select {
	case w.ch <- we:
		return true
	case <-w.done:
		return false
	default:
	}
	if !*spent {
		select {
		case w.ch <- we:
			return true
		case <-w.done:
			return false
		case <-budget.C:
			*spent = true
		}
	}
	w.Stop()
	return false
}

func (c *cacher) sendBookmarks() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for w := range c.watchers {
		if !w.bookmarks {
			continue
		}
		select {
		case w.ch <- WatchEvent{Type: watch.Bookmark, RV: c.rv}:
		default:
		}
	}
}
