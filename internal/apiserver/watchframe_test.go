package apiserver

import (
	"bytes"
	"encoding/binary"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The frame head plus the object's bytes are exactly the length-prefixed
// protobuf WatchEvent the generated code makes, for sizes on both sides
// of each varint boundary.
func TestWatchEventHead(t *testing.T) {
	for _, typ := range []string{"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"} {
		for _, n := range []int{0, 1, 120, 125, 126, 127, 128, 129, 16377, 16380, 16383, 16384, 70000, 2097152} {
			raw := bytes.Repeat([]byte{'x'}, n)
			want, err := (&metav1.WatchEvent{Type: typ, Object: runtime.RawExtension{Raw: raw}}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			want = append(binary.BigEndian.AppendUint32(nil, uint32(len(want))), want...)
			got := append(appendWatchEventHead(nil, typ, n), raw...)
			if !bytes.Equal(got, want) {
				t.Errorf("%s with %d bytes: head %x, want %x", typ, n, got[:min(len(got), 16)], want[:min(len(want), 16)])
			}
		}
	}
}
