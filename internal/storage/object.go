package storage

import (
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is a cached object, shared by every reader and never modified,
// with its encodings memoised so a watch event is serialised once per
// content type however many watchers receive it.
//
// Versions far back in the event window (older than every watcher that
// keeps up) go cold: they keep only their storage bytes, which a decoded
// pod takes about three times the memory of. That holds for superseded
// versions, which under churn are several per object, and for current
// ones: ten thousand running pods that no longer change are read again
// only by a list, a watcher starting over, or one resuming from that far
// back, and those decode them again (without keeping the result).
type Object struct {
	mu         sync.Mutex
	obj        runtime.Object // nil while cold
	enc        map[string][]byte
	superseded bool
	counted    bool // its bytes went into the window's budget

	// raw is the storage encoding at revision rev: etcd's value for an
	// object the cache read, made on compaction for one it made itself
	// (a deleted object's last state).
	raw    []byte
	rev    int64
	decode func([]byte, int64) (runtime.Object, error)
}

func newObject(obj runtime.Object) *Object { return &Object{obj: obj} }

// storedObject is obj as decoded from raw, etcd's value at rev.
func storedObject(obj runtime.Object, raw []byte, rev int64, decode func([]byte, int64) (runtime.Object, error)) *Object {
	return &Object{obj: obj, raw: raw, rev: rev, decode: decode}
}

// Get returns the object, decoding a cold version (not kept: cold
// versions must stay small).
func (o *Object) Get() runtime.Object {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.getLocked()
}

func (o *Object) getLocked() runtime.Object {
	if o.obj != nil {
		return o.obj
	}
	obj, err := o.decode(o.raw, o.rev)
	if err != nil {
		// The bytes were etcd's, which decoded once, or encoded from a
		// decoded object by the same codec.
		panic("storage: cold object does not decode: " + err.Error())
	}
	return obj
}

// Copy returns a private copy of the object.
func (o *Object) Copy() runtime.Object {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.obj == nil {
		return o.getLocked() // freshly decoded
	}
	return o.obj.DeepCopyObject()
}

// Encoded returns the bytes of the object in the encoding named id,
// computing them with fn the first time (every time while cold).
func (o *Object) Encoded(id string, fn func(runtime.Object) ([]byte, error)) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if b, ok := o.enc[id]; ok {
		return b, nil
	}
	b, err := fn(o.getLocked())
	if err != nil || o.obj == nil {
		return b, err
	}
	if o.enc == nil {
		o.enc = map[string][]byte{}
	}
	o.enc[id] = b
	return b, nil
}

// supersede marks a version that is no longer the current one.
func (o *Object) supersede() {
	o.mu.Lock()
	o.superseded = true
	o.mu.Unlock()
}

// cold reports whether only the storage bytes are kept.
func (o *Object) cold() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.obj == nil
}

// compact makes the version cold, dropping its decoded form and its
// encodings (the watchers they were made for have long been sent them).
//
// It returns the bytes to count against the window's budget: those of a
// superseded version, once (a version shared by two events, or compacted
// while current and superseded later, is counted when first found
// superseded). Current versions are the cache's, not the window's.
func (o *Object) compact(s *Store) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.obj != nil {
		if o.raw == nil {
			rv, err := objectRV(o.obj)
			if err != nil {
				o.enc = nil
				return 0
			}
			// The codec leaves the shared object alone (its kind is set);
			// the resourceVersion it writes is replaced from rev on decode.
			raw, err := s.codec.Encode(o.obj)
			if err != nil {
				o.enc = nil
				return 0
			}
			o.raw, o.rev, o.decode = raw, int64(rv), s.decode
		}
		o.obj, o.enc = nil, nil
	}
	if !o.superseded || o.counted {
		return 0
	}
	o.counted = true
	return len(o.raw)
}

func objectRV(obj runtime.Object) (uint64, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(m.GetResourceVersion(), 10, 64)
}
