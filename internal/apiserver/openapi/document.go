package openapi

import (
	"bytes"
	"compress/gzip"
	"sync"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
)

// document is one served document. Its gzip and protobuf forms are costly
// and rarely all needed, so they are computed on first use.
type document struct {
	json  []byte
	etag  string
	gzip  lazy
	proto lazy // zero (never computed) when the document has no protobuf form
}

func newDocument(b []byte, toProto func([]byte) ([]byte, error)) *document {
	d := &document{json: b, etag: etagOf(b)}
	d.gzip.compute = func() ([]byte, error) { return gzipped(b) }
	if toProto != nil {
		d.proto.compute = func() ([]byte, error) { return toProto(b) }
	}
	return d
}

type lazy struct {
	once    sync.Once
	compute func() ([]byte, error)
	b       []byte
	err     error
}

func (l *lazy) available() bool { return l.compute != nil }

func (l *lazy) get() ([]byte, error) {
	if l.compute == nil {
		return nil, nil
	}
	l.once.Do(func() { l.b, l.err = l.compute() })
	return l.b, l.err
}

func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b) / 6)
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func v2Proto(b []byte) ([]byte, error) {
	doc, err := openapiv2.ParseDocument(b)
	if err != nil {
		return nil, err
	}
	return proto.Marshal(doc)
}

func v3Proto(b []byte) ([]byte, error) {
	doc, err := openapiv3.ParseDocument(b)
	if err != nil {
		return nil, err
	}
	return proto.Marshal(doc)
}
