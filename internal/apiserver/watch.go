package apiserver

import (
	"bytes"
	"encoding/binary"
	"google.golang.org/protobuf/encoding/protowire"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"orca/internal/storage"
)

// minWatchTimeout is kube-apiserver's --min-request-timeout: watches without
// timeoutSeconds end after a random time between it and twice it.
const minWatchTimeout = 1800 * time.Second

func (s *Server) handleWatch(w http.ResponseWriter, r *http.Request, sv *served, ns, name string) {
	opts, err := listOptions(r, sv.res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if name != "" { // GET .../pods/x?watch=true watches one object
		opts.Predicate.Field = fields.AndSelectors(orEverything(opts.Predicate.Field), fields.OneTermEqualSelector("metadata.name", name))
	}
	t, ok := negotiate(r, sv.conv.allowAs)
	if !ok {
		s.writeError(w, r, notAcceptable("application/json, application/yaml, application/vnd.kubernetes.protobuf"))
		return
	}
	timeout := minWatchTimeout + time.Duration(rand.Int64N(int64(minWatchTimeout)))
	if v := r.URL.Query().Get("timeoutSeconds"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			timeout = time.Duration(n) * time.Second
		}
	}
	wt, err := sv.rest.Watch(r.Context(), ns, opts)
	ws := &watchStream{s: s, sv: sv, w: w, r: r, t: t}
	if err != nil {
		if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || apierrors.IsTimeout(err) {
			// As kube-apiserver's watch cache: once the request is valid,
			// a version the cache cannot serve is an ERROR event in a 200
			// stream, not an HTTP error (clients then relist).
			ws.start()
			ws.frameObject(watch.Error, toStatus(err))
			return
		}
		s.writeError(w, r, err)
		return
	}
	defer wt.Stop()
	ws.serve(wt, opts, timeout)
}

func orEverything(f fields.Selector) fields.Selector {
	if f == nil {
		return fields.Everything()
	}
	return f
}

// watchStream writes one watch response: newline-delimited JSON events, or
// length-prefixed protobuf frames.
type watchStream struct {
	s       *Server
	sv      *served
	w       http.ResponseWriter
	r       *http.Request
	t       target
	flusher http.Flusher
	headers bool   // table column headers already sent
	head    []byte // scratch for a frame's head
}

// start writes the stream's headers.
func (ws *watchStream) start() {
	ct := ws.t.Type
	if ct == mtYAML {
		ct = mtJSON
	}
	ws.t.Type = ct
	if ct == mtProtobuf {
		ws.w.Header().Set("Content-Type", mtProtobuf+";stream=watch")
	} else {
		ws.w.Header().Set("Content-Type", ct)
	}
	ws.w.Header().Set("Transfer-Encoding", "chunked")
	ws.w.WriteHeader(http.StatusOK)
	ws.flusher, _ = ws.w.(http.Flusher)
}

// frameObject encodes obj and writes it as one event.
func (ws *watchStream) frameObject(typ watch.EventType, obj runtime.Object) bool {
	raw, err := ws.s.codecs.encode(obj, ws.t.Type, false)
	if err != nil || !ws.frame(typ, raw) {
		return false
	}
	ws.flush()
	return true
}

func (ws *watchStream) serve(wt *storage.Watch, opts storage.ListOptions, timeout time.Duration) {
	ws.start()
	for _, e := range wt.Initial {
		if !ws.send(e) {
			return
		}
	}
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents && opts.AllowBookmarks {
		if !ws.bookmark(wt.InitialRV, true) {
			return
		}
	}
	ws.flush()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var batch []storage.WatchEvent
	for {
		select {
		case <-wt.Ready():
			batch = wt.Drain(batch)
			for _, e := range batch {
				if !ws.send(e) {
					return
				}
			}
			ws.flush()
		case <-wt.Done():
			return
		case <-timer.C:
			return
		case <-ws.r.Context().Done():
			return
		}
	}
}

func (ws *watchStream) flush() {
	if ws.flusher != nil {
		ws.flusher.Flush()
	}
}

func (ws *watchStream) send(e storage.WatchEvent) bool {
	if e.Type == watch.Bookmark {
		return ws.bookmark(e.RV, false)
	}
	obj := e.Object.Get()
	if ws.sv.fromStorage != nil || ws.t.As != "" {
		o := obj
		if ws.sv.fromStorage != nil {
			var err error
			if o, err = ws.sv.fromStorage(o); err != nil {
				return false
			}
		}
		return ws.write(e.Type, o)
	}
	id := ws.t.Type
	raw, err := e.Object.Encoded(id, func(o runtime.Object) ([]byte, error) {
		return ws.s.codecs.encode(o, id, false)
	})
	if err != nil {
		return false
	}
	return ws.frame(e.Type, raw)
}

// write encodes an object for this watcher alone (tables, conversions).
func (ws *watchStream) write(typ watch.EventType, obj runtime.Object) bool {
	if ws.t.As != "" {
		if ws.t.As == "Table" && ws.headers {
			q := ws.r.URL.Query()
			q.Set("noHeaders", "true")
			ws.r.URL.RawQuery = q.Encode()
		}
		conv, err := ws.sv.conv.convert(obj, ws.t, ws.r)
		if err != nil {
			return false
		}
		obj, ws.headers = conv, true
	}
	raw, err := ws.s.codecs.encode(obj, ws.t.Type, false)
	if err != nil {
		return false
	}
	return ws.frame(typ, raw)
}

func (ws *watchStream) bookmark(rv uint64, initialEnd bool) bool {
	obj := ws.sv.res.New()
	if ws.t.As != "" {
		obj = &metav1.PartialObjectMetadata{}
		obj.GetObjectKind().SetGroupVersionKind(metaV1.WithKind("PartialObjectMetadata"))
	} else {
		obj.GetObjectKind().SetGroupVersionKind(ws.sv.res.GVK())
	}
	m, _ := meta.Accessor(obj)
	m.SetResourceVersion(strconv.FormatUint(rv, 10))
	if initialEnd {
		m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	}
	raw, err := ws.s.codecs.encode(obj, ws.t.Type, false)
	if err != nil {
		return false
	}
	return ws.frame(watch.Bookmark, raw)
}

// frame writes one event around already encoded object bytes. The
// object's bytes are shared by every watcher of the event, so they are
// written as they are, after a head made for this frame: no copy of them
// per watcher.
func (ws *watchStream) frame(typ watch.EventType, raw []byte) bool {
	if ws.t.Type == mtProtobuf {
		// A 4-byte big-endian length, then the raw protobuf WatchEvent
		// (no envelope: the stream serializer is the raw one); the object
		// inside keeps its "k8s\x00" envelope.
		ws.head = appendWatchEventHead(ws.head[:0], string(typ), len(raw))
	} else {
		raw = bytes.TrimRight(raw, "\n")
		ws.head = append(append(append(ws.head[:0], `{"type":"`...), typ...), `","object":`...)
	}
	if _, err := ws.w.Write(ws.head); err != nil {
		return false
	}
	if _, err := ws.w.Write(raw); err != nil {
		return false
	}
	if ws.t.Type != mtProtobuf {
		_, err := io.WriteString(ws.w, "}\n")
		return err == nil
	}
	return true
}

// appendWatchEventHead appends the frame length and the protobuf of a
// metav1.WatchEvent{Type: typ, Object: RawExtension{Raw: raw}} up to where
// raw's n bytes follow: field 1 (type), then field 2 (object), whose one
// field 1 is the raw bytes.
func appendWatchEventHead(dst []byte, typ string, n int) []byte {
	object := protowire.SizeTag(1) + protowire.SizeBytes(n)
	body := protowire.SizeTag(1) + protowire.SizeBytes(len(typ)) + protowire.SizeTag(2) + protowire.SizeBytes(object)
	dst = binary.BigEndian.AppendUint32(dst, uint32(body))
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	dst = protowire.AppendString(dst, typ)
	dst = protowire.AppendTag(dst, 2, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(object))
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	return protowire.AppendVarint(dst, uint64(n))
}
