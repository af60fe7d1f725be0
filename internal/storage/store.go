package storage

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Store keeps the objects of one resource in etcd and serves reads from its
// watch cache. It is the only code in orca that knows etcd.
type Store struct {
	GR     schema.GroupResource
	Prefix string
	client *clientv3.Client
	codec  *Codec
	newObj func() runtime.Object
	attrs  AttrFunc
	cache  *cacher
	leases leases
}

// Config describes one resource's storage.
type Config struct {
	GR     schema.GroupResource
	Prefix string
	NewObj func() runtime.Object
	Attrs  AttrFunc
}

// NewStore creates the store; Run must be called to start its watch cache.
func NewStore(client *clientv3.Client, codec *Codec, cfg Config, copts CacheOptions) *Store {
	s := &Store{GR: cfg.GR, Prefix: cfg.Prefix, client: client, codec: codec, newObj: cfg.NewObj, attrs: cfg.Attrs, leases: leases{client: client}}
	s.cache = newCacher(s, copts)
	return s
}

// Run feeds the watch cache until ctx ends.
func (s *Store) Run(ctx context.Context) { s.cache.run(ctx) }

// Ready is closed once the watch cache holds its first full list.
func (s *Store) Ready() <-chan struct{} { return s.cache.ready }

func (s *Store) decode(kv []byte, rev int64) (runtime.Object, error) {
	obj, err := s.codec.Decode(kv, s.newObj)
	if err != nil {
		return nil, err
	}
	return obj, setRV(obj, uint64(rev))
}

func setRV(obj runtime.Object, rv uint64) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	if rv == 0 {
		m.SetResourceVersion("")
	} else {
		m.SetResourceVersion(strconv.FormatUint(rv, 10))
	}
	return nil
}

// encode writes obj without its resourceVersion, which etcd's revision holds.
func (s *Store) encode(obj runtime.Object) ([]byte, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	rv := m.GetResourceVersion()
	m.SetResourceVersion("")
	defer m.SetResourceVersion(rv)
	return s.codec.Encode(obj)
}

// Create stores a new object; it fails with AlreadyExists if the key is taken.
// ttl > 0 makes etcd remove the object after that many seconds (events).
func (s *Store) Create(ctx context.Context, key string, obj runtime.Object, ttl int64) (runtime.Object, error) {
	data, err := s.encode(obj)
	if err != nil {
		return nil, err
	}
	var opts []clientv3.OpOption
	if ttl > 0 {
		lease, err := s.leases.get(ctx, ttl)
		if err != nil {
			return nil, err
		}
		opts = append(opts, clientv3.WithLease(lease))
	}
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(data), opts...)).
		Commit()
	if err != nil {
		return nil, writeError(err)
	}
	if !resp.Succeeded {
		return nil, apierrorsAlreadyExists(s, key)
	}
	s.cache.wrote(key, resp.Header.Revision)
	return obj, setRV(obj, uint64(resp.Header.Revision))
}

// Get reads one object. resourceVersion "" reads etcd (the newest state);
// anything else is served from the watch cache no older than that version.
func (s *Store) Get(ctx context.Context, key, resourceVersion string) (runtime.Object, error) {
	if resourceVersion != "" {
		rv, err := parseRV(resourceVersion)
		if err != nil {
			return nil, err
		}
		return s.cache.get(ctx, key, rv)
	}
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if len(resp.Kvs) == 0 {
		return nil, s.notFound(key)
	}
	return s.decode(resp.Kvs[0].Value, resp.Kvs[0].ModRevision)
}

// UpdateFunc computes the new state from a private copy of the current one.
// Returning the error stops the update; returning cur unchanged is a no-op.
type UpdateFunc func(cur runtime.Object) (runtime.Object, error)

// Update applies fn to the current object until etcd accepts the result
// without a concurrent write in between (optimistic concurrency on the
// object's revision). Client-side preconditions belong inside fn.
func (s *Store) Update(ctx context.Context, key string, fn UpdateFunc) (runtime.Object, error) {
	return s.casLoop(ctx, key, func(cur runtime.Object, stored []byte) (runtime.Object, clientv3.Op, bool, error) {
		next, err := fn(cur)
		if err != nil {
			return nil, clientv3.Op{}, false, err
		}
		data, err := s.encode(next)
		if err != nil {
			return nil, clientv3.Op{}, false, err
		}
		if bytes.Equal(data, stored) {
			return next, clientv3.Op{}, false, nil // nothing changed: no write, same resourceVersion
		}
		return next, clientv3.OpPut(key, string(data), clientv3.WithIgnoreLease()), true, nil
	})
}

// DeleteFunc checks preconditions against the current object before delete.
type DeleteFunc func(cur runtime.Object) error

// Delete removes the object if check accepts its current state, retrying when
// the object changes in between. It returns the last state.
func (s *Store) Delete(ctx context.Context, key string, check DeleteFunc) (runtime.Object, error) {
	return s.casLoop(ctx, key, func(cur runtime.Object, _ []byte) (runtime.Object, clientv3.Op, bool, error) {
		if check != nil {
			if err := check(cur); err != nil {
				return nil, clientv3.Op{}, false, err
			}
		}
		return cur, clientv3.OpDelete(key), true, nil
	})
}

// casStep decides, from the current object and its stored bytes, the
// result and the write to commit (write=false: return result unwritten).
type casStep func(cur runtime.Object, stored []byte) (result runtime.Object, op clientv3.Op, write bool, err error)

// casLoop asks step what to write given the current object and commits it
// only if the key's revision is unchanged, starting over from the newer
// state if not. The first guess at the current object is the watch
// cache's (no etcd read for most writes, as upstream's GuaranteedUpdate):
// a stale guess fails the revision compare, and since an error or a no-op
// is only the answer for the newest state, those are checked against etcd.
func (s *Store) casLoop(ctx context.Context, key string, step casStep) (runtime.Object, error) {
	cur, stored, rev, guessed := s.cache.guess(key)
	if !guessed {
		var err error
		if cur, stored, rev, err = s.read(ctx, key); err != nil {
			return nil, err
		}
	}
	for {
		out, op, write, err := step(cur, stored)
		if guessed && (err != nil || !write) {
			guessed = false
			if cur, stored, rev, err = s.read(ctx, key); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if !write {
			return out, setRV(out, uint64(rev))
		}
		txn, err := s.client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
			Then(op).
			Else(clientv3.OpGet(key)).
			Commit()
		if err != nil {
			return nil, writeError(err)
		}
		if txn.Succeeded {
			s.cache.wrote(key, txn.Header.Revision)
			return out, setRV(out, uint64(txn.Header.Revision))
		}
		guessed = false
		if cur, stored, rev, err = s.current(key, txn.Responses[0].GetResponseRange().Kvs); err != nil {
			return nil, err
		}
	}
}

// read returns the object at key as etcd has it now, with its bytes and
// revision.
func (s *Store) read(ctx context.Context, key string) (runtime.Object, []byte, int64, error) {
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, nil, 0, err
	}
	return s.current(key, resp.Kvs)
}

func (s *Store) current(key string, kvs []*mvccpb.KeyValue) (runtime.Object, []byte, int64, error) {
	if len(kvs) == 0 {
		return nil, nil, 0, s.notFound(key)
	}
	obj, err := s.decode(kvs[0].Value, kvs[0].ModRevision)
	if err != nil {
		return nil, nil, 0, err
	}
	return obj, kvs[0].Value, kvs[0].ModRevision, nil
}

func parseRV(s string) (uint64, error) {
	rv, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("invalid resource version %q", s))
	}
	return rv, nil
}
