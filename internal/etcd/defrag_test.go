package etcd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestDefragPolicySparse(t *testing.T) {
	p := DefragPolicy{MinFree: 100, MaxInUse: 1000}
	for _, c := range []struct {
		size, inUse int64
		want        bool
	}{
		{1000, 400, true},  // 600 free, more than half
		{1000, 500, true},  // exactly half
		{1000, 501, false}, // under half free
		{150, 40, true},    // 110 free
		{150, 60, false},   // 90 free: under MinFree though most of it
		{0, 0, false},
		{3000, 1000, true},  // as much data as a rewrite may copy
		{3000, 1001, false}, // more
	} {
		if got := p.sparse(c.size, c.inUse); got != c.want {
			t.Errorf("sparse(%d, %d) = %v, want %v", c.size, c.inUse, got, c.want)
		}
	}
}

// A compacted database with mostly free pages is rewritten smaller, and
// keeps every current key; one still dense is left alone.
func TestDefragIfSparse(t *testing.T) {
	ctx := context.Background()
	e, err := StartEmbedded(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := DefragPolicy{MinFree: 1 << 20, MaxInUse: 1 << 30, QuietWrites: 1000, QuietWindow: 50 * time.Millisecond, GiveUpAfter: 10 * time.Second}

	value := strings.Repeat("x", 16<<10)
	put := func(round int) {
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < 200; i += 8 {
					if _, err := e.Client.Put(ctx, fmt.Sprintf("/k/%03d", i), fmt.Sprintf("%d:%s", round, value)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	put(0)
	if did, err := e.DefragIfSparse(ctx, p); err != nil || did {
		t.Fatalf("dense database: defragmented %v (%v), want left alone", did, err)
	}
	for round := 1; round <= 4; round++ {
		put(round)
	}
	resp, err := e.Client.Get(ctx, "/k/000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.Compact(ctx, resp.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	before, err := e.Client.Status(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	did, err := e.DefragIfSparse(ctx, p)
	if err != nil || !did {
		t.Fatalf("after compacting four overwrites of every key (size %d, in use %d): defragmented %v (%v), want true",
			before.DbSize, before.DbSizeInUse, did, err)
	}
	after, err := e.Client.Status(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if after.DbSize >= before.DbSize/2 {
		t.Errorf("database %d bytes after defragmentation, was %d: want under half", after.DbSize, before.DbSize)
	}
	all, err := e.Client.Get(ctx, "/k/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Kvs) != 200 {
		t.Fatalf("%d keys after defragmentation, want 200", len(all.Kvs))
	}
	for _, kv := range all.Kvs {
		if !strings.HasPrefix(string(kv.Value), "4:") || len(kv.Value) != len(value)+2 {
			t.Fatalf("%s holds %.10q… (%d bytes), want the last round's value", kv.Key, kv.Value, len(kv.Value))
		}
	}
}

// A busy member is not blocked: the wait for a quiet moment gives up.
func TestDefragWaitsForQuiet(t *testing.T) {
	ctx := context.Background()
	e, err := StartEmbedded(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := DefragPolicy{QuietWrites: 1, QuietWindow: 100 * time.Millisecond, GiveUpAfter: 500 * time.Millisecond}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := e.Client.Put(ctx, "/busy", fmt.Sprint(i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	quiet, err := e.waitQuiet(ctx, p)
	close(stop)
	<-done
	if err != nil || quiet {
		t.Fatalf("waitQuiet during constant writes = %v (%v), want false", quiet, err)
	}
	if quiet, err = e.waitQuiet(ctx, p); err != nil || !quiet {
		t.Fatalf("waitQuiet with no writes = %v (%v), want true", quiet, err)
	}
}
