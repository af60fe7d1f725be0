package loop

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	p := &pacer{factor: 10, max: 100 * time.Millisecond, next: map[string]time.Time{}}
	t0 := time.Unix(1000, 0)
	ms := time.Millisecond
	p.done("cheap", t0, t0.Add(ms/2))
	if w := p.wait("cheap", t0.Add(ms)); w != 0 {
		t.Errorf("a cheap key waits %v", w)
	}
	p.done("big", t0, t0.Add(5*ms)) // 50 ms after it ended
	for _, c := range []struct {
		at   time.Duration
		want time.Duration
	}{{5 * ms, 50 * ms}, {30 * ms, 25 * ms}, {55 * ms, 0}, {56 * ms, 0}} {
		if w := p.wait("big", t0.Add(c.at)); w != c.want {
			t.Errorf("at +%v: wait %v, want %v", c.at, w, c.want)
		}
	}
	p.done("huge", t0, t0.Add(time.Second)) // capped at max
	if w := p.wait("huge", t0.Add(time.Second)); w != 100*ms {
		t.Errorf("capped wait %v, want 100ms", w)
	}
	p.done("huge", t0, t0.Add(ms/2)) // got cheap again: no longer paced
	if w := p.wait("huge", t0.Add(time.Second)); w != 0 || len(p.next) != 0 {
		t.Errorf("wait %v, paced keys %v", w, p.next)
	}
	var none *pacer
	none.done("k", t0, t0.Add(time.Second))
	if w := none.wait("k", t0); w != 0 {
		t.Errorf("an unpaced loop waits %v", w)
	}
}

// A paced loop does not run an expensive key again until factor times its
// last reconcile has passed; the adds meanwhile are not lost.
func TestLoopPacesExpensiveKey(t *testing.T) {
	var mu sync.Mutex
	var starts, ends []time.Time
	first, second := make(chan struct{}), make(chan struct{})
	l := New("test", Func(func(context.Context, string) (time.Duration, error) {
		mu.Lock()
		starts = append(starts, time.Now())
		n := len(starts)
		mu.Unlock()
		if n == 1 {
			time.Sleep(20 * time.Millisecond) // the expensive work
		}
		mu.Lock()
		ends = append(ends, time.Now())
		mu.Unlock()
		if n == 1 {
			close(first)
		}
		if n == 2 {
			close(second)
		}
		return 0, nil
	}), 2)
	l.Pace(10, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	l.Add("big")
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("the key was not reconciled")
	}
	for range 5 {
		l.Add("big")
	}
	select {
	case <-second:
	case <-time.After(10 * time.Second):
		t.Fatal("the key was not reconciled again")
	}
	mu.Lock()
	defer mu.Unlock()
	took := ends[0].Sub(starts[0])
	if gap := starts[1].Sub(ends[0]); gap < 10*took {
		t.Errorf("reconciled again %v after a reconcile of %v, want at least %v", gap, took, 10*took)
	}
}
