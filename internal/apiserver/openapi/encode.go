package openapi

import (
	"encoding/json"
	"fmt"

	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Documents share most schemas (ObjectMeta, PodSpec, ...), so each schema
// is encoded once and the documents are assembled from the encoded pieces.

var infoJSON = []byte(`{"title":"Kubernetes","version":"unversioned"}`)

// schemaJSON caches the JSON encoding of schemas.
type schemaJSON struct {
	defs map[string]*spec.Schema
	enc  map[string][]byte
}

func newSchemaJSON(defs map[string]*spec.Schema) *schemaJSON {
	return &schemaJSON{defs: defs, enc: make(map[string][]byte, len(defs))}
}

// prepare encodes the named schemas not encoded yet.
func (c *schemaJSON) prepare(names []string) error {
	for _, n := range names {
		if c.enc[n] != nil {
			continue
		}
		s := c.defs[n]
		if s == nil {
			return fmt.Errorf("openapi: no schema named %s", n)
		}
		b, err := s.MarshalJSON()
		if err != nil {
			return fmt.Errorf("openapi: encoding %s: %w", n, err)
		}
		c.enc[n] = b
	}
	return nil
}

// size estimates the bytes the named schemas take in a document.
func (c *schemaJSON) size(names []string) int {
	n := 0
	for _, name := range names {
		n += len(c.enc[name]) + len(name) + 4
	}
	return n
}

// objectWriter writes a JSON object from already encoded members.
type objectWriter struct{ buf []byte }

func newObjectWriter(capacity int) *objectWriter {
	return &objectWriter{buf: append(make([]byte, 0, capacity), '{')}
}

func (w *objectWriter) key(k string) {
	if len(w.buf) > 1 {
		w.buf = append(w.buf, ',')
	}
	w.buf = appendString(w.buf, k)
	w.buf = append(w.buf, ':')
}

// raw writes member k with an encoded value.
func (w *objectWriter) raw(k string, v []byte) {
	w.key(k)
	w.buf = append(w.buf, v...)
}

// schemas writes member k as an object of the named, prepared schemas.
func (w *objectWriter) schemas(k string, names []string, c *schemaJSON) {
	w.key(k)
	inner := objectWriter{buf: append(w.buf, '{')}
	start := len(inner.buf)
	for _, n := range names {
		if len(inner.buf) > start {
			inner.buf = append(inner.buf, ',')
		}
		inner.buf = appendString(inner.buf, n)
		inner.buf = append(inner.buf, ':')
		inner.buf = append(inner.buf, c.enc[n]...)
	}
	w.buf = append(inner.buf, '}')
}

func (w *objectWriter) close() []byte { return append(w.buf, '}') }

func appendString(buf []byte, s string) []byte {
	b, _ := json.Marshal(s) // cannot fail for a string
	return append(buf, b...)
}
