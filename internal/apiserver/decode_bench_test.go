package apiserver

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// Decoding a typical pod's JSON: in one pass (decodeJSON) and through
// the strict serializer, which reads the document for its kind first.
func BenchmarkDecodeJSON(b *testing.B) {
	s, res := decodeOnlyServer(), podResource(b)
	cur, _ := kubeletPatch(b)
	cur.APIVersion, cur.Kind = "v1", "Pod"
	data, _ := json.Marshal(cur)
	b.Run("one-pass", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.decodeJSON(httptest.NewRecorder(), data, res, "Strict"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serializer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.decodeInto(httptest.NewRecorder(), s.codecs.strictJSON, data, res, "Strict"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
