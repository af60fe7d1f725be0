package storage

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
)

// Cold bytes come back exactly, from any goroutine; objects like the
// dictionary's shrink to a fraction, others still round-trip.
func TestColdDict(t *testing.T) {
	codec := NewCodec(scheme.Scheme)
	encode := func(i int) []byte {
		b, err := codec.Encode(&corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{Kind: "ConfigMap", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("settings-%d", i), Labels: map[string]string{"app": "web", "tier": "frontend"}},
			Data:       map[string]string{"config.yaml": strings.Repeat("listen: 0.0.0.0:8080\nworkers: 4\n", 20), "index": fmt.Sprint(i)},
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	d := newColdDict(encode(0))
	random := make([]byte, 3000)
	for i := range random {
		random[i] = byte(rand.IntN(256))
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := 1; i <= 50; i++ {
				for _, raw := range [][]byte{encode(i), random, nil} {
					c := d.compress(raw)
					back, err := d.decompress(c, len(raw))
					if err != nil || !bytes.Equal(back, raw) {
						t.Errorf("round trip of %d bytes: %v, equal %v", len(raw), err, bytes.Equal(back, raw))
						return
					}
				}
				if raw, c := encode(i), d.compress(encode(i)); len(c) > len(raw)/8 {
					t.Errorf("object like the dictionary: %d bytes compressed to %d, want under an eighth", len(raw), len(c))
					return
				}
			}
		})
	}
	wg.Wait()
}
