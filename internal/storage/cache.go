package storage

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/watch"
)

// CacheOptions tune the watch cache.
type CacheOptions struct {
	// BookmarkInterval is how often watchers that allow bookmarks get one.
	BookmarkInterval time.Duration
	// MinEvents and MaxEvents bound the window of recent events kept so
	// watchers can resume; the window grows while it covers less than
	// EventFreshness of history.
	MinEvents, MaxEvents int
	EventFreshness       time.Duration
	// MaxWindowBytes stops the window growing once the versions it has
	// compacted take this much memory. Upstream's window is bounded by count
	// and freshness alone; under a burst (a rollout of 10,000 pods) that is
	// 100,000 old versions, several hundred megabytes. Past the budget a
	// watcher resuming from further back relists (410 Gone), as it would
	// after any longer gap.
	MaxWindowBytes int
	// MaxEventAge drops events this old from the window at the next
	// bookmark tick (keeping MinEvents). Upstream keeps them until newer
	// ones push them out, so after a burst an idle cache held its last
	// MaxWindowBytes of superseded versions for good; a watcher away this
	// long relists (410 Gone) instead, as it must be ready to anyway.
	MaxEventAge time.Duration

	// compactBehind is how many events back versions go cold (tests set
	// it small).
	compactBehind int
}

func (o CacheOptions) withDefaults() CacheOptions {
	if o.BookmarkInterval == 0 {
		o.BookmarkInterval = 30 * time.Second
	}
	if o.MinEvents == 0 {
		o.MinEvents = 256
	}
	if o.MaxEvents == 0 {
		o.MaxEvents = 100 * 1024
	}
	if o.EventFreshness == 0 {
		o.EventFreshness = 75 * time.Second
	}
	if o.MaxWindowBytes == 0 {
		o.MaxWindowBytes = 32 << 20
	}
	if o.MaxEventAge == 0 {
		o.MaxEventAge = 5 * time.Minute
	}
	if o.compactBehind == 0 {
		o.compactBehind = compactBehind
	}
	return o
}

// entry is one cached object with its selectable attributes.
type entry struct {
	key    string
	obj    *Object
	labels attrList
	fields attrList
}

// event is one change as the cache saw it.
type event struct {
	typ  watch.EventType
	rv   uint64
	at   time.Time
	cur  *entry // for deletes: the last state, stamped with the delete revision
	prev *entry

	// left is prev stamped with rv: what a watcher whose selector the
	// object leaves gets in its DELETED event (made on first use).
	leftOnce sync.Once
	left     *Object

	compacted int // bytes of the versions compact kept
}

func (e *event) leftObject() *Object {
	e.leftOnce.Do(func() { e.left = e.prev.withRV(e.rv).obj })
	return e.left
}

// cacher holds the current objects of one resource and a window of recent
// events, fed by a single etcd watch. Lists and watches are served from it.
type cacher struct {
	s    *Store
	opts CacheOptions

	mu       sync.Mutex
	objs     map[string]*entry
	rv       uint64 // everything up to rv has been applied
	fresh    chan struct{}
	events   []*event // ring, oldest first from head
	head     int
	n        int
	oldestRV uint64 // events after this revision are all in the ring
	watchers map[*Watch]struct{}
	// watcherSet is watchers as dispatch reads them; nil: to be made again.
	watcherSet *watcherSet
	// windowBytes is what the ring's compacted versions take.
	windowBytes int
	// listed are the objects of the last list, made cold at the next
	// bookmark tick (an object that never changes has no event to fall
	// behind).
	listed []*entry
	// dict compresses cold versions: made from the first one.
	dictOnce sync.Once
	dict     *coldDict
	// attrs builds the entries' labels and fields (the cacher's goroutine
	// only).
	attrs packer
	// written are this store's writes whose events are still to be
	// applied, by key: their revision (see guess); applied is the
	// revision applied last. Both under wmu (c.mu is taken first where
	// both are).
	wmu     sync.Mutex
	written map[string]int64
	applied uint64

	ready     chan struct{}
	readyOnce sync.Once
}

func newCacher(s *Store, opts CacheOptions) *cacher {
	opts = opts.withDefaults()
	return &cacher{
		s: s, opts: opts,
		objs:     map[string]*entry{},
		fresh:    make(chan struct{}),
		events:   make([]*event, opts.MinEvents),
		watchers: map[*Watch]struct{}{},
		written:  map[string]int64{},
		ready:    make(chan struct{}),
	}
}

// run lists and watches etcd until ctx ends, relisting after any failure.
func (c *cacher) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := c.listAndWatch(ctx)
		if ctx.Err() != nil {
			break
		}
		slog.Warn("watch cache restarting", "resource", c.s.GR.String(), "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.mu.Lock()
	c.stopAllLocked()
	c.mu.Unlock()
}

func (c *cacher) listAndWatch(ctx context.Context) error {
	resp, err := c.s.client.Get(ctx, c.s.Prefix, clientv3.WithPrefix())
	if err != nil {
		return err
	}
	objs := make(map[string]*entry, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		e, err := c.newEntry(string(kv.Key), kv.Value, kv.ModRevision, nil)
		if err != nil {
			slog.Error("watch cache: undecodable object", "key", string(kv.Key), "err", err)
			continue
		}
		objs[e.key] = e
	}
	rev := uint64(resp.Header.Revision)
	c.reset(objs, rev)
	c.readyOnce.Do(func() { close(c.ready) })

	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	wch := c.s.client.Watch(wctx, c.s.Prefix, clientv3.WithPrefix(), clientv3.WithRev(int64(rev)+1), clientv3.WithProgressNotify())
	tick := time.NewTicker(c.opts.BookmarkInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			c.sendBookmarks()
			c.coolListed()
			c.coolIdle(time.Now())
			c.expire(time.Now())
		case wr, ok := <-wch:
			if !ok {
				return errors.New("etcd watch closed")
			}
			if err := wr.Err(); err != nil {
				return err
			}
			if wr.IsProgressNotify() {
				c.progress(uint64(wr.Header.Revision))
				continue
			}
			c.apply(wr.Events)
		}
	}
}

// newEntry decodes a version of the object at key; prev is its previous
// version, if any, whose key and unchanged labels and fields it shares.
func (c *cacher) newEntry(key string, data []byte, rev int64, prev *entry) (*entry, error) {
	obj, err := c.s.decode(data, rev)
	if err != nil {
		return nil, err
	}
	l, f := c.s.attrs(obj)
	ll, fl := c.attrs.pack(l, f, prev)
	return &entry{key: key, obj: storedObject(obj, data, rev, c.s.decode), labels: ll, fields: fl}, nil
}

// reset replaces the cache content after a (re)list; watchers of the old
// content are stopped so that they resume from their last revision.
func (c *cacher) reset(objs map[string]*entry, rev uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopAllLocked()
	c.objs = objs
	c.listed = make([]*entry, 0, len(objs))
	for _, e := range objs {
		c.listed = append(c.listed, e)
	}
	c.head, c.n, c.windowBytes = 0, 0, 0
	c.oldestRV = rev
	c.listedLocked(rev)
	c.advanceLocked(rev)
}

func (c *cacher) advanceLocked(rv uint64) {
	if rv < c.rv {
		return
	}
	c.rv = rv
	close(c.fresh)
	c.fresh = make(chan struct{})
}

func (c *cacher) progress(rv uint64) {
	c.mu.Lock()
	c.advanceLocked(rv)
	c.mu.Unlock()
}

// apply records etcd events and hands them to the watchers.
func (c *cacher) apply(evs []*clientv3.Event) {
	now := time.Now()
	batch := make([]*event, 0, len(evs))
	c.mu.Lock()
	for _, ev := range evs {
		rv := uint64(ev.Kv.ModRevision)
		prev := c.objs[string(ev.Kv.Key)]
		var key string
		if prev != nil {
			key = prev.key // one copy for all its versions
		} else {
			key = string(ev.Kv.Key)
		}
		e := &event{rv: rv, at: now, prev: prev}
		if ev.Type == mvccpb.DELETE {
			if prev == nil {
				continue
			}
			e.typ = watch.Deleted
			e.cur = prev.withRV(rv)
			e.cur.obj.supersede()
			prev.obj.supersede()
			delete(c.objs, key)
		} else {
			cur, err := c.newEntry(key, ev.Kv.Value, ev.Kv.ModRevision, prev)
			if err != nil {
				slog.Error("watch cache: undecodable object", "key", key, "err", err)
				continue
			}
			e.typ = watch.Modified
			if prev == nil {
				e.typ = watch.Added
			}
			e.cur = cur
			c.objs[key] = cur
			if prev != nil {
				prev.obj.supersede()
			}
		}
		c.appliedLocked(key, rv)
		c.pushLocked(e)
		batch = append(batch, e)
		c.advanceLocked(rv)
	}
	watchers := c.watcherSetLocked()
	c.mu.Unlock()
	dispatch(watchers, batch)
}

func (e *entry) withRV(rv uint64) *entry {
	obj := e.obj.Copy()
	_ = setRV(obj, rv)
	return &entry{key: e.key, obj: newObject(obj), labels: e.labels, fields: e.fields}
}

// pushLocked appends to the event ring, growing it while the oldest event
// is still fresh so resuming watchers rarely see 410 Gone under load, and
// dropping the oldest events while the compacted versions exceed their
// budget.
func (c *cacher) pushLocked(e *event) {
	if c.n == len(c.events) {
		oldest := c.events[c.head]
		if len(c.events) < c.opts.MaxEvents && e.at.Sub(oldest.at) < c.opts.EventFreshness && c.windowBytes < c.opts.MaxWindowBytes {
			c.growLocked()
		} else {
			c.dropOldestLocked()
		}
	}
	c.events[(c.head+c.n)%len(c.events)] = e
	c.n++
	if c.n > c.opts.compactBehind {
		old := c.events[(c.head+c.n-1-c.opts.compactBehind)%len(c.events)]
		old.compact(c)
		c.windowBytes += old.compacted
	}
	for c.windowBytes > c.opts.MaxWindowBytes && c.n > c.opts.MinEvents {
		c.dropOldestLocked()
	}
}

// expire drops the window's events older than MaxEventAge, keeping
// MinEvents.
func (c *cacher) expire(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.n > c.opts.MinEvents && now.Sub(c.events[c.head].at) >= c.opts.MaxEventAge {
		c.dropOldestLocked()
	}
}

func (c *cacher) dropOldestLocked() {
	oldest := c.events[c.head]
	c.oldestRV = oldest.rv
	c.windowBytes -= oldest.compacted
	c.events[c.head] = nil
	c.head = (c.head + 1) % len(c.events)
	c.n--
}

// coolListed makes the listed objects that are still current cold,
// outside the cache's lock (ten thousand pods take a fifth of a second).
func (c *cacher) coolListed() {
	c.mu.Lock()
	listed := c.listed
	c.listed = nil
	current := make([]*entry, 0, len(listed))
	for _, e := range listed {
		if c.objs[e.key] == e {
			current = append(current, e)
		}
	}
	c.mu.Unlock()
	for _, e := range current {
		e.obj.cool(c)
	}
}

// coolAfter: a version unchanged this long goes cold even when fewer than
// compactBehind events followed it (an idle cluster after a burst).
const coolAfter = 30 * time.Second

// coolIdle makes the versions of events older than coolAfter cold,
// outside the cache's lock (cooling a cold version does nothing); the
// window counts them as usual once they fall compactBehind events back.
func (c *cacher) coolIdle(now time.Time) {
	c.mu.Lock()
	var old []*event
	for i := max(c.n-c.opts.compactBehind, 0); i < c.n; i++ {
		e := c.events[(c.head+i)%len(c.events)]
		if now.Sub(e.at) < coolAfter {
			break
		}
		old = append(old, e)
	}
	c.mu.Unlock()
	for _, e := range old {
		e.cur.obj.cool(c)
		if e.prev != nil {
			e.prev.obj.cool(c)
		}
	}
}

// compactBehind is how many events back from the newest versions go
// cold: far enough that watchers keeping up have sent them, near enough
// that churn does not pile decoded versions up.
const compactBehind = 4096

// compact shrinks the versions only the event window holds, and records
// the bytes they kept.
func (e *event) compact(c *cacher) {
	e.compacted = e.cur.compact(c)
	if e.prev != nil {
		e.compacted += e.prev.compact(c)
	}
}

// compact makes the entry's version cold; it returns what the version now
// costs the window (0 if not the window's, or counted already): its
// compressed bytes, which may be a tenth of the rest, plus an estimate of
// that rest (the entry, its Object, labels and fields).
func (e *entry) compact(c *cacher) int {
	n := e.obj.compact(c)
	if n == 0 {
		return 0
	}
	return n + 256 + len(e.labels.vals) + len(e.fields.vals)
}

// coldDict is the dictionary cold versions are compressed with, made from
// sample (storage bytes of this resource) the first time.
func (c *cacher) coldDict(sample []byte) *coldDict {
	c.dictOnce.Do(func() { c.dict = newColdDict(sample) })
	return c.dict
}

func (c *cacher) growLocked() {
	size := min(2*len(c.events), c.opts.MaxEvents)
	grown := make([]*event, size)
	for i := 0; i < c.n; i++ {
		grown[i] = c.events[(c.head+i)%len(c.events)]
	}
	c.events, c.head = grown, 0
}

// eventsAfterLocked returns the events newer than rv, or false if the ring
// no longer reaches back that far.
func (c *cacher) eventsAfterLocked(rv uint64) ([]*event, bool) {
	if rv < c.oldestRV {
		return nil, false
	}
	i := sort.Search(c.n, func(i int) bool { return c.events[(c.head+i)%len(c.events)].rv > rv })
	out := make([]*event, 0, c.n-i)
	for ; i < c.n; i++ {
		out = append(out, c.events[(c.head+i)%len(c.events)])
	}
	return out, true
}

// waitFresh blocks until the cache has applied revision rv.
func (c *cacher) waitFresh(ctx context.Context, rv uint64, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	c.mu.Lock()
	for c.rv < rv {
		ch := c.fresh
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			c.mu.Lock()
			cur := c.rv
			c.mu.Unlock()
			return tooLarge(rv, cur)
		}
		c.mu.Lock()
	}
	c.mu.Unlock()
	return nil
}
