package storage

import "k8s.io/apimachinery/pkg/runtime"

// maxWritten bounds the writes awaiting their watch event; past it (a
// cache that stopped following etcd) they are forgotten, which only makes
// guesses staler.
const maxWritten = 10000

// guess returns the cached current version at key as a first guess for an
// update: a private copy, the bytes etcd holds for it and their revision.
// ok is false when the cache is not ready, does not have the object, or
// has yet to apply this store's own last write to it: a client updating
// an object again right after its last update would otherwise always
// guess the version before and pay a failed transaction.
func (c *cacher) guess(key string) (obj runtime.Object, raw []byte, rev int64, ok bool) {
	select {
	case <-c.ready:
	default:
		return nil, nil, 0, false
	}
	c.wmu.Lock()
	_, pending := c.written[key]
	c.wmu.Unlock()
	if pending {
		return nil, nil, 0, false
	}
	c.mu.Lock()
	e := c.objs[key]
	c.mu.Unlock()
	if e == nil {
		return nil, nil, 0, false
	}
	obj, raw, rev = e.obj.stored()
	return obj, raw, rev, raw != nil
}

// wrote records that this store wrote key at rev. It takes its own lock,
// not the cache's, which applying a batch of events holds for a while.
func (c *cacher) wrote(key string, rev int64) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if uint64(rev) <= c.applied {
		return // already applied
	}
	if len(c.written) >= maxWritten {
		clear(c.written)
	}
	c.written[key] = rev
}

// appliedLocked forgets a write once its event at rv is applied (c.mu held).
func (c *cacher) appliedLocked(key string, rv uint64) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.applied = max(c.applied, rv)
	if w, ok := c.written[key]; ok && uint64(w) <= rv {
		delete(c.written, key)
	}
}

// listedLocked forgets the writes a list at rv includes (c.mu held).
func (c *cacher) listedLocked(rv uint64) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.applied = max(c.applied, rv)
	for key, w := range c.written {
		if uint64(w) <= rv {
			delete(c.written, key)
		}
	}
}
