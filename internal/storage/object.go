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
// Versions that only the event window still holds (superseded by a newer
// version and older than every watcher that keeps up) are compacted to
// their storage bytes: a decoded pod takes about three times the memory of
// its protobuf, and under churn the window holds several versions of every
// object. A watcher that falls that far behind, or resumes from that far
// back, decodes them again.
type Object struct {
	mu         sync.Mutex
	obj        runtime.Object // nil once compacted
	enc        map[string][]byte
	superseded bool

	// Set by compact: the storage encoding and its revision.
	raw    []byte
	rev    int64
	decode func([]byte, int64) (runtime.Object, error)
}

func newObject(obj runtime.Object) *Object { return &Object{obj: obj} }

// Get returns the object, decoding a compacted version (not kept: the
// window must stay small).
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
		// It was encoded from a decoded object by the same codec.
		panic("storage: compacted object does not decode: " + err.Error())
	}
	return obj
}

// Encoded returns the bytes of the object in the encoding named id,
// computing them with fn the first time (every time once compacted).
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

// compact drops the decoded form and the encodings of a superseded
// version, keeping its storage encoding. A current version keeps its
// decoded form but drops its encodings: the watchers it was encoded for
// have long been sent it, and ten thousand pods' watch events would
// otherwise stay in memory until each pod changes again.
//
// It returns the bytes this version now keeps: 0 unless it compacted it
// (a version shared by two events is counted once).
func (o *Object) compact(s *Store) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.superseded {
		o.enc = nil
		return 0
	}
	if o.obj == nil {
		return 0
	}
	rv, err := objectRV(o.obj)
	if err != nil {
		return 0
	}
	// The codec leaves the shared object alone (its kind is set); the
	// resourceVersion it writes is replaced from rev on decode.
	raw, err := s.codec.Encode(o.obj)
	if err != nil {
		return 0
	}
	o.raw, o.rev, o.decode = raw, int64(rv), s.decode
	o.obj, o.enc = nil, nil
	return len(raw)
}

func objectRV(obj runtime.Object) (uint64, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(m.GetResourceVersion(), 10, 64)
}
