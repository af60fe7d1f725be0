package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"orca/internal/etcd"
)

// Each cycle compacts to the revision of the one before, then runs the
// hook; a history younger than one interval is kept.
func TestCompactKeepsOneIntervalThenRunsHook(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, err := etcd.StartEmbedded(ctx, t.TempDir()) // its own member: compaction would break the shared one's history
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	first, err := e.Client.Put(ctx, "/k", "1")
	if err != nil {
		t.Fatal(err)
	}
	hooks := make(chan int64, 10)
	hook := func(ctx context.Context) {
		// Physically compacted by now: the first revision is gone.
		_, err := e.Client.Get(ctx, "/k", clientv3.WithRev(first.Header.Revision))
		if ctx.Err() != nil {
			return // the test is ending
		}
		if !errors.Is(err, rpctypes.ErrCompacted) {
			t.Errorf("reading the first revision in the hook: %v, want %v", err, rpctypes.ErrCompacted)
		}
		resp, err := e.Client.Get(ctx, "/k")
		if err != nil {
			if ctx.Err() == nil {
				t.Error(err)
			}
			return
		}
		select {
		case hooks <- resp.Header.Revision:
		case <-ctx.Done():
		}
	}
	stopped := make(chan struct{})
	defer func() {
		// The compactor ends before the member closes: a hook running
		// meanwhile would read a closed client.
		cancel()
		<-stopped
	}()
	go func() {
		defer close(stopped)
		Compact(ctx, e.Client, 100*time.Millisecond, hook)
	}()
	// Writes keep coming; the latest is always readable at its revision.
	var last int64
	deadline := time.After(10 * time.Second)
	for calls := 0; calls < 2; {
		resp, err := e.Client.Put(ctx, "/k", "more")
		if err != nil {
			t.Fatal(err)
		}
		last = resp.Header.Revision
		select {
		case <-hooks:
			calls++
		case <-deadline:
			t.Fatalf("the hook ran %d times in 10s, want 2", calls)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if _, err := e.Client.Get(ctx, "/k", clientv3.WithRev(last)); err != nil {
		t.Errorf("the newest revision %d after compactions: %v", last, err)
	}
}

func TestCompactDisabled(t *testing.T) {
	done := make(chan struct{})
	go func() {
		Compact(context.Background(), nil, 0, nil) // would panic on the nil client if it compacted
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Compact with interval 0 did not return")
	}
}
