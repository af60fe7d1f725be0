package idlegc

import (
	"testing"
	"time"
)

const mb = 1 << 20

// feeder gives a Policy one sample a second, with a 300 MB live heap.
type feeder struct {
	p     *Policy
	now   time.Time
	alloc uint64
}

func (f *feeder) step(perSecond uint64) (int, bool, bool) {
	f.now = f.now.Add(time.Second)
	f.alloc += perSecond
	return f.p.Observe(f.now, f.alloc, 300*mb)
}

// At GOGC 25 of 300 MB, quiet is below 75 MB per 4 s: 18.75 MB/s on
// average over 30 s; a spike is a second above 75 MB.
func TestPolicy(t *testing.T) {
	f := &feeder{p: NewPolicy(Config{Busy: 100, Idle: 25, QuietFor: 30 * time.Second}), now: time.Unix(1000, 0)}
	expect := func(what string, perSecond uint64, n, pct int) {
		t.Helper()
		for i := range n {
			if got, changed, _ := f.step(perSecond); got != pct || changed {
				t.Fatalf("%s, sample %d: GOGC %d (changed %v), want %d unchanged", what, i, got, changed, pct)
			}
		}
	}
	expect("busy", 200*mb, 120, 100)
	// The 30 s window still holds busy seconds until 30 quiet ones passed.
	expect("quiet, window not yet clean", 15*mb, 29, 100)
	if pct, changed, idle := f.step(15 * mb); pct != 25 || !changed || !idle {
		t.Fatalf("after 30 s quiet: GOGC %d changed=%v idle=%v, want 25 true true", pct, changed, idle)
	}
	expect("idle", 18*mb, 100, 25)
	expect("idle", 10*mb, 30, 25)
	// Spikes below four times the limit, averaging out: still idle.
	for range 10 {
		expect("idle with a spike", 60*mb, 1, 25)
		expect("idle after a spike", 10*mb, 9, 25)
	}
	// One second four times over the limit restores the default at once.
	if pct, changed, idle := f.step(80 * mb); pct != 100 || !changed || idle {
		t.Fatalf("burst: GOGC %d changed=%v idle=%v, want 100 true false", pct, changed, idle)
	}
	// Until a whole quiet stretch has passed since.
	expect("after the burst", 16*mb, 29, 100)
	if pct, changed, _ := f.step(16 * mb); pct != 25 || !changed {
		t.Fatalf("a quiet stretch after the burst: GOGC %d changed=%v", pct, changed)
	}
	// A slow climb in the average (no spike) ends the quiet too.
	f2 := &feeder{p: NewPolicy(Config{Busy: 100, Idle: 25, QuietFor: 30 * time.Second}), now: time.Unix(1000, 0)}
	for range 31 {
		f2.step(10 * mb)
	}
	if pct, _, _ := f2.step(10 * mb); pct != 25 {
		t.Fatalf("steady 10 MB/s: GOGC %d, want 25", pct)
	}
	changedAt := -1
	for i := range 40 {
		if pct, changed, _ := f2.step(40 * mb); changed && pct == 100 {
			changedAt = i
			break
		}
	}
	if changedAt < 0 || changedAt > 10 {
		t.Fatalf("steady 40 MB/s: back to GOGC 100 after %d s, want within 10", changedAt)
	}
}

// While quiet, freed memory goes back every ReleaseEvery; never while
// busy.
func TestPolicyReleasesWhileIdle(t *testing.T) {
	f := &feeder{p: NewPolicy(Config{Busy: 100, Idle: 50, QuietFor: 30 * time.Second, ReleaseEvery: time.Minute}), now: time.Unix(1000, 0)}
	var releases []int
	for i := range 300 {
		perSecond := uint64(10 * mb)
		if i >= 200 {
			perSecond = 500 * mb // busy again
		}
		if _, _, release := f.step(perSecond); release {
			releases = append(releases, i)
		}
	}
	// Quiet from sample 30 (the first full stretch): released then, at 60 s intervals, and
	// not once the process is busy from sample 200.
	want := []int{30, 90, 150}
	if len(releases) != len(want) {
		t.Fatalf("released at samples %v, want %v", releases, want)
	}
	for i := range want {
		if releases[i] != want[i] {
			t.Fatalf("released at samples %v, want %v", releases, want)
		}
	}
}
