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
	// (a deleted object's last state). A version that went cold while
	// current is compressed with dict.
	raw    []byte
	rev    int64
	decode func([]byte, int64) (runtime.Object, error)
	dict   *coldDict
	rawLen int // of raw before compression
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
	return o.decodeLocked(o.rawLocked())
}

// rawLocked is the storage encoding, decompressed when compressed.
func (o *Object) rawLocked() []byte {
	if o.dict == nil {
		return o.raw
	}
	raw, err := o.dict.decompress(o.raw, o.rawLen)
	if err != nil {
		panic("storage: cold object does not decompress: " + err.Error())
	}
	return raw
}

func (o *Object) decodeLocked(raw []byte) runtime.Object {
	obj, err := o.decode(raw, o.rev)
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

// stored returns a private copy of a version read from storage, with the
// bytes storage holds for it and their revision; raw is nil for a version
// the cache made itself.
func (o *Object) stored() (obj runtime.Object, raw []byte, rev int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.raw == nil {
		return nil, nil, 0
	}
	raw = o.rawLocked()
	if o.obj != nil {
		obj = o.obj.DeepCopyObject()
	} else {
		obj = o.decodeLocked(raw) // freshly decoded
	}
	return obj, raw, o.rev
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

// compact makes the version cold (cool) and returns the bytes to count
// against the window's budget: those of a superseded version, once (a
// version shared by two events, or cooled while current and superseded
// later, is counted when first found superseded). Current versions are
// the cache's, not the window's.
func (o *Object) compact(c *cacher) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.coolLocked(c)
	if !o.superseded || o.counted || o.obj != nil {
		return 0
	}
	o.counted = true
	return len(o.raw)
}

// cool drops the decoded form and the encodings (the watchers they were
// made for have long been sent them), keeping the storage bytes, those of
// a current version compressed with the cache's dictionary.
func (o *Object) cool(c *cacher) {
	o.mu.Lock()
	o.coolLocked(c)
	o.mu.Unlock()
}

func (o *Object) coolLocked(c *cacher) {
	if o.obj == nil {
		return
	}
	if o.raw == nil {
		rv, err := objectRV(o.obj)
		if err != nil {
			o.enc = nil
			return
		}
		// The codec leaves the shared object alone (its kind is set);
		// the resourceVersion it writes is replaced from rev on decode.
		raw, err := c.s.codec.Encode(o.obj)
		if err != nil {
			o.enc = nil
			return
		}
		o.raw, o.rev, o.decode = raw, int64(rv), c.s.decode
	}
	if !o.superseded {
		// Only current versions are compressed: they are what a large
		// cluster holds for long, while the window's superseded ones
		// are bounded by its budget and, in a burst, far more numerous
		// (compressing costs ~20 µs on the cache's one applying
		// goroutine).
		o.dict, o.rawLen = c.coldDict(o.raw), len(o.raw)
		o.raw = o.dict.compress(o.raw)
	}
	o.obj, o.enc = nil, nil
}

func objectRV(obj runtime.Object) (uint64, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(m.GetResourceVersion(), 10, 64)
}
