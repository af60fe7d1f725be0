package kubelet

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestHostResolverRereadsChangedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	write := func(body string, mod time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	var h hostResolver
	t0 := time.Now().Add(-time.Hour)
	write("# comment\nnameserver 192.0.2.1\nsearch a.example b.example\noptions ndots:2\n", t0)
	got := h.get(path)
	if !slices.Equal(got.Servers, []string{"192.0.2.1"}) || !slices.Equal(got.Searches, []string{"a.example", "b.example"}) || !slices.Equal(got.Options, []string{"ndots:2"}) {
		t.Fatalf("parsed %+v", got)
	}
	// A caller appending to its copy does not change the next caller's.
	got.Servers = append(got.Servers, "192.0.2.99")
	if again := h.get(path); !slices.Equal(again.Servers, []string{"192.0.2.1"}) {
		t.Fatalf("cached servers changed by a caller: %v", again.Servers)
	}
	// Same size, new modification time: read again.
	write("# comment\nnameserver 192.0.2.2\nsearch a.example b.example\noptions ndots:2\n", t0.Add(time.Second))
	if got := h.get(path); !slices.Equal(got.Servers, []string{"192.0.2.2"}) {
		t.Fatalf("after a rewrite: servers %v, want 192.0.2.2", got.Servers)
	}
	// Different size, same modification time: read again.
	write("nameserver 192.0.2.3\n", t0.Add(time.Second))
	if got := h.get(path); !slices.Equal(got.Servers, []string{"192.0.2.3"}) || got.Searches != nil {
		t.Fatalf("after a shorter rewrite: %+v", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if got := h.get(path); len(got.Servers)+len(got.Searches)+len(got.Options) != 0 {
		t.Fatalf("missing file: %+v, want empty", got)
	}
}
