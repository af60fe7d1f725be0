package proxy

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"time"
)

// syncer is what both modes' proxiers share: the Services changed since
// the last sync, whether the next sync must be full, and running syncs on
// the schedule, with the mode's own chore (deleting emptied nftables
// chains, checking the iptables jumps) when it is due and no sync is.
type syncer struct {
	sched schedule

	mu       sync.Mutex
	dirty    map[string]bool
	needFull bool
	wake     chan struct{}

	// pending is when the oldest change not yet synced came (zero: none),
	// taken its value in the sync running now; lastOK is when the last
	// sync succeeded.
	pending, taken, lastOK time.Time
}

// freshness is what /healthz reports: when the last sync succeeded and
// since when a change has been waiting (zero: none).
func (l *syncer) freshness() (lastOK, waiting time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	waiting = l.pending
	if !l.taken.IsZero() && (waiting.IsZero() || l.taken.Before(waiting)) {
		waiting = l.taken
	}
	return l.lastOK, waiting
}

func newSyncer() syncer {
	return syncer{
		sched: schedule{
			minFull: DefaultMinSyncInterval, minPartial: DefaultPartialSyncInterval, fullPeriod: DefaultFullSyncPeriod,
		},
		dirty:    map[string]bool{},
		needFull: true,
		wake:     make(chan struct{}, 1),
	}
}

// changed marks a Service for the next sync.
func (l *syncer) changed(key string) {
	l.mu.Lock()
	l.dirty[key] = true
	if l.pending.IsZero() {
		l.pending = time.Now()
	}
	l.mu.Unlock()
	l.poke()
}

func (l *syncer) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// begin starts a sync: it takes the changed Services and records when the
// sync started.
func (l *syncer) begin(full bool) (map[string]bool, time.Time) {
	l.mu.Lock()
	dirty := l.dirty
	l.dirty, l.needFull = map[string]bool{}, false
	l.taken, l.pending = l.pending, time.Time{}
	l.mu.Unlock()
	start := time.Now()
	l.sched.lastSync = start
	if full {
		l.sched.lastFull = start
	}
	return dirty, start
}

// resyncAll makes the next sync full: every Service is written again.
func (l *syncer) resyncAll() {
	l.mu.Lock()
	l.needFull = true
	l.mu.Unlock()
	l.poke()
}

// done records a sync's outcome for the health checks: a failed one
// leaves its changes waiting.
func (l *syncer) done(err error) {
	if err != nil {
		return
	}
	l.mu.Lock()
	l.lastOK, l.taken = time.Now(), time.Time{}
	l.mu.Unlock()
}

// failed makes the next sync full, keeping the changes for it.
func (l *syncer) failed(dirty map[string]bool) {
	l.mu.Lock()
	maps.Copy(l.dirty, dirty)
	l.needFull = true
	l.mu.Unlock()
}

// chore is a mode's periodic work besides syncing: due reports when it is
// next due (false: nothing to do), and do does it.
type chore struct {
	due func() (time.Time, bool)
	do  func(ctx context.Context, now time.Time)
}

// loop runs sync when the schedule says, and the chore in between, until
// ctx ends.
func (l *syncer) loop(ctx context.Context, log *slog.Logger, mode string, sync func(context.Context, bool) error, c chore) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for ctx.Err() == nil {
		l.mu.Lock()
		full, at := l.sched.next(l.needFull, len(l.dirty) > 0)
		l.mu.Unlock()
		now := time.Now()
		if !at.After(now) {
			err := sync(ctx, full)
			l.done(err)
			if err != nil && ctx.Err() == nil {
				log.Error("service proxy sync", "mode", mode, "full", full, "err", err)
			}
			continue
		}
		if due, ok := c.due(); ok {
			if !due.After(now) {
				c.do(ctx, now)
				continue
			}
			if due.Before(at) {
				at = due
			}
		}
		timer.Reset(time.Until(at))
		select {
		case <-ctx.Done():
		case <-l.wake:
		case <-timer.C:
		}
	}
}
