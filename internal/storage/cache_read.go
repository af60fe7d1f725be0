package storage

import (
	"context"
	"sort"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime"
)

// freshnessTimeout bounds how long a read waits for the cache to catch up.
const freshnessTimeout = 3 * time.Second

func (c *cacher) waitReady(ctx context.Context) error {
	select {
	case <-c.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// get serves a Get with a resourceVersion from the cache.
func (c *cacher) get(ctx context.Context, key string, rv uint64) (runtime.Object, error) {
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	if err := c.catchUp(ctx, rv); err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.objs[key]
	c.mu.Unlock()
	if e == nil {
		return nil, c.s.notFound(key)
	}
	return e.obj.Get(), nil
}

// list serves a list from memory once the cache has seen rv.
func (c *cacher) list(ctx context.Context, prefix string, p Predicate, rv uint64) (*ListResult, error) {
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	if err := c.catchUp(ctx, rv); err != nil {
		return nil, err
	}
	c.mu.Lock()
	entries := c.selectLocked(prefix, p)
	rv = c.rv
	c.mu.Unlock()
	out := &ListResult{ResourceVersion: rv, Items: make([]runtime.Object, len(entries))}
	for i, e := range entries {
		out.Items[i] = e.obj.Get()
	}
	return out, nil
}

// CachedList is like list but returns the shared cached objects.
func (c *cacher) selectLocked(prefix string, p Predicate) []*entry {
	out := make([]*entry, 0, len(c.objs))
	for k, e := range c.objs {
		if hasPrefix(k, prefix) && p.matches(&e.labels, &e.fields) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// consistentList serves a list that reflects every write acknowledged
// before it started: it learns etcd's current revision, waits for the
// cache to reach it, and falls back to etcd if the cache lags.
func (c *cacher) consistentList(ctx context.Context, prefix string, p Predicate) (*ListResult, error) {
	rev, err := c.currentRevision(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	if err := c.catchUp(ctx, rev); err != nil {
		return c.s.etcdList(ctx, prefix, prefix, 0, ListOptions{Predicate: p})
	}
	return c.list(ctx, prefix, p, rev)
}

func (c *cacher) currentRevision(ctx context.Context) (uint64, error) {
	resp, err := c.s.client.Get(ctx, c.s.Prefix, clientv3.WithPrefix(), clientv3.WithCountOnly(), clientv3.WithLimit(1))
	if err != nil {
		return 0, err
	}
	return uint64(resp.Header.Revision), nil
}

// catchUp waits until the cache has applied rev, asking etcd for a progress
// notification when the newest writes were to other resources (a revision
// from another resource's object is a valid one this cache may never see
// an event at). A rev etcd has not reached is ResourceVersionTooLarge.
func (c *cacher) catchUp(ctx context.Context, rev uint64) error {
	c.mu.Lock()
	behind := c.rv < rev
	c.mu.Unlock()
	if !behind {
		return nil
	}
	if err := c.waitFresh(ctx, rev, 50*time.Millisecond); err == nil {
		return nil
	}
	// etcd drops a progress request while any watcher on the stream is
	// still catching up (right after start, for instance): ask again until
	// the cache is fresh or the deadline passes.
	deadline := time.Now().Add(freshnessTimeout)
	for {
		_ = c.s.client.RequestProgress(clientv3.WithRequireLeader(context.Background()))
		wait := min(100*time.Millisecond, time.Until(deadline))
		err := c.waitFresh(ctx, rev, wait)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
	}
}
