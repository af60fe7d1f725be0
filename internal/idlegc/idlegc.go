// Package idlegc lowers the garbage collector's heap target while the
// process is quiet and restores it as soon as work resumes. A burst (a
// Deployment of 10,000 pods) grows the heap to twice its live size, the
// Go default; without this, a quiet server keeps most of that memory from
// the system for minutes, while a lower target during bursts would make
// them slower (the collector runs more often).
package idlegc

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Config sets the two targets (GOGC percentages) and what counts as quiet.
type Config struct {
	Busy, Idle int           // GOGC while busy (100, Go's default) and while quiet
	Interval   time.Duration // how often allocation is sampled (1 s)
	QuietFor   time.Duration // how long allocation must stay low (30 s)
	// ReleaseEvery: while quiet, freed memory goes back to the system
	// this often (1 min), besides when the quiet starts.
	ReleaseEvery time.Duration
}

// quietGC is the shortest time between two collections at the idle
// target that still counts as quiet. A server with 1,000 idle nodes
// renewing their Leases allocates ~10 MB/s; a burst of pod writes, over
// 100 MB/s.
const quietGC = 4 * time.Second

// Policy decides, from samples of the bytes allocated so far and the live
// heap, which target applies. It does no I/O: Run feeds it.
//
// Quiet means: over the last QuietFor, allocation was slow enough that at
// the idle target the collector would run at most once every quietGC.
// Averaging over the whole stretch lets short spikes of an idle server (a
// list, the watch cache compressing objects) pass; a second of allocation
// four times that fast ends the quiet at once, and starts the stretch
// over.
type Policy struct {
	cfg         Config
	idle        bool
	samples     []sample // the last QuietFor of them, oldest first
	lastRelease time.Time
}

type sample struct {
	at    time.Time
	alloc uint64
}

func NewPolicy(cfg Config) *Policy { return &Policy{cfg: cfg} }

// Observe takes a sample: allocated is the total of bytes allocated since
// the process started, live the heap's live bytes after the last
// collection. It returns the target to set and whether it changed;
// release asks to hand freed memory back to the system: when the process
// just went quiet, and every ReleaseEvery while it stays quiet (an idle
// heap still cycles: what the collector frees between two releases would
// otherwise go back only at the background scavenger's slow pace).
func (p *Policy) Observe(now time.Time, allocated, live uint64) (percent int, changed, release bool) {
	p.samples = append(p.samples, sample{now, allocated})
	for len(p.samples) > 2 && now.Sub(p.samples[1].at) >= p.cfg.QuietFor {
		p.samples = p.samples[1:]
	}
	limit := float64(live) * float64(p.cfg.Idle) / 100 / quietGC.Seconds() // bytes/s
	first, prev := p.samples[0], p.samples[max(0, len(p.samples)-2)]
	spike := prev.at.Before(now) && rate(prev, now, allocated) > 4*limit
	if spike {
		// Quiet again only after a whole quiet stretch from here.
		p.samples = append(p.samples[:0], sample{now, allocated})
		first = p.samples[0]
	}
	full := now.Sub(first.at) >= p.cfg.QuietFor
	quiet := full && rate(first, now, allocated) < limit
	switch {
	case p.idle && (spike || !quiet):
		p.idle = false
		return p.cfg.Busy, true, false
	case !p.idle && quiet && !spike:
		p.idle, p.lastRelease = true, now
		return p.cfg.Idle, true, true
	case p.idle:
		release = p.cfg.ReleaseEvery > 0 && now.Sub(p.lastRelease) >= p.cfg.ReleaseEvery
		if release {
			p.lastRelease = now
		}
		return p.cfg.Idle, false, release
	}
	return p.cfg.Busy, false, false
}

func rate(from sample, now time.Time, allocated uint64) float64 {
	return float64(allocated-from.alloc) / now.Sub(from.at).Seconds()
}

// Run applies the policy to this process until ctx ends. It does nothing
// when the GOGC environment variable is set: the user chose a target.
func Run(ctx context.Context, cfg Config) {
	if os.Getenv("GOGC") != "" || cfg.Idle <= 0 || cfg.Idle >= cfg.Busy {
		return
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.QuietFor == 0 {
		cfg.QuietFor = 30 * time.Second
	}
	if cfg.ReleaseEvery == 0 {
		cfg.ReleaseEvery = time.Minute
	}
	p := NewPolicy(cfg)
	samples := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			debug.SetGCPercent(cfg.Busy)
			return
		case now := <-t.C:
			metrics.Read(samples)
			percent, changed, release := p.Observe(now, samples[0].Value.Uint64(), samples[1].Value.Uint64())
			if changed {
				debug.SetGCPercent(percent)
				slog.Debug("idle gc", "gogc", percent, "liveBytes", samples[1].Value.Uint64())
			}
			if release {
				// Collect and return the freed memory now rather than
				// over the background scavenger's minutes.
				debug.FreeOSMemory()
			}
		}
	}
}
