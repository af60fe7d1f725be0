package storage

import (
	"bytes"

	"k8s.io/apimachinery/pkg/runtime"
)

// Encode encodes obj into a slice sized to fit. The watch cache keeps
// encodings for as long as it keeps the object, and a bytes.Buffer grown
// by doubling leaves up to half of its capacity unused: a tenth of the
// server's heap with 10,000 pods. The protobuf serializer sizes its output
// exactly when given an allocator and writes it once; others go through
// a buffer that is trimmed when it is loose.
func Encode(enc runtime.Encoder, obj runtime.Object) ([]byte, error) {
	if ea, ok := enc.(runtime.EncoderWithAllocator); ok {
		var w onceWriter
		if err := ea.EncodeWithAllocator(obj, &w, &runtime.SimpleAllocator{}); err != nil {
			return nil, err
		}
		return w.b, nil
	}
	var buf bytes.Buffer
	if err := enc.Encode(obj, &buf); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if cap(b)-len(b) > len(b)/8 {
		b = bytes.Clone(b)
	}
	return b, nil
}

// onceWriter keeps the slice of a single Write without copying it (the
// allocator made it for this call alone) and copies any further writes.
type onceWriter struct{ b []byte }

func (w *onceWriter) Write(p []byte) (int, error) {
	if w.b == nil {
		w.b = p[:len(p):len(p)]
	} else {
		w.b = append(w.b, p...)
	}
	return len(p), nil
}
