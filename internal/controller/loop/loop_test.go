package loop

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/tools/cache"
)

// A failing key is retried, a key asking to requeue runs again, and the
// loop stops with its context.
func TestLoopRetriesAndRequeues(t *testing.T) {
	var mu sync.Mutex
	runs := map[string]int{}
	done := make(chan string, 10)
	l := New("test", Func(func(_ context.Context, key string) (time.Duration, error) {
		mu.Lock()
		runs[key]++
		n := runs[key]
		mu.Unlock()
		switch {
		case key == "fail" && n < 3:
			return 0, errors.New("not yet")
		case key == "again" && n < 2:
			return time.Millisecond, nil
		}
		done <- key
		return 0, nil
	}), 2)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { l.Run(ctx); close(stopped) }()
	l.Add("fail")
	l.Add("again")
	l.Enqueue(&struct{ key string }{}) // no meta: logged, not queued
	got := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for len(got) < 2 {
		select {
		case k := <-done:
			got[k] = true
		case <-deadline:
			t.Fatalf("reconciled to completion: %v", got)
		}
	}
	mu.Lock()
	if runs["fail"] != 3 || runs["again"] != 2 {
		t.Errorf("runs %v, want fail=3 again=2", runs)
	}
	mu.Unlock()
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestDeleted(t *testing.T) {
	type obj struct{ name string }
	if o, ok := Deleted[*obj](&obj{"a"}); !ok || o.name != "a" {
		t.Errorf("plain object: %v %v", o, ok)
	}
	if o, ok := Deleted[*obj](cache.DeletedFinalStateUnknown{Key: "ns/b", Obj: &obj{"b"}}); !ok || o.name != "b" {
		t.Errorf("tombstone: %v %v", o, ok)
	}
	if _, ok := Deleted[*obj]("something else"); ok {
		t.Error("a string is not a deleted *obj")
	}
	if _, ok := Deleted[*obj](cache.DeletedFinalStateUnknown{Key: "ns/c", Obj: "x"}); ok {
		t.Error("a tombstone of another type is not a deleted *obj")
	}
}
