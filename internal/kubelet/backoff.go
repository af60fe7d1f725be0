package kubelet

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// backoff is the crash-loop (and image pull) back-off per key, with
// upstream's rules: the first restart is immediate, then each waits twice
// the previous delay from the failure, from 10 s up to 5 min; a key unused
// for twice the maximum starts over.
type backoff struct {
	clock        clock.PassiveClock
	initial, max time.Duration
	mu           sync.Mutex
	entries      map[string]*backoffEntry
}

type backoffEntry struct {
	delay      time.Duration
	lastUpdate time.Time
}

func newBackoff(c clock.PassiveClock, initial, max time.Duration) *backoff {
	return &backoff{clock: c, initial: initial, max: max, entries: map[string]*backoffEntry{}}
}

// until is when a failure at failedAt may be retried (zero: now).
func (b *backoff) until(key string, failedAt time.Time) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || failedAt.Sub(e.lastUpdate) > 2*b.max {
		return time.Time{}
	}
	return failedAt.Add(e.delay)
}

// next records a retry of the failure at failedAt and grows the delay.
func (b *backoff) next(key string, failedAt time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || failedAt.Sub(e.lastUpdate) > 2*b.max {
		b.entries[key] = &backoffEntry{delay: b.initial, lastUpdate: failedAt}
		return
	}
	e.delay = min(2*e.delay, b.max)
	e.lastUpdate = failedAt
}

// delay is the current delay of a key (for messages).
func (b *backoff) delay(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.entries[key]; ok {
		return e.delay
	}
	return b.initial
}

// forget drops every key with the prefix (a pod that went away).
func (b *backoff) forget(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for key := range b.entries {
		if len(key) >= len(prefix) && key[:len(prefix)] == prefix {
			delete(b.entries, key)
		}
	}
}

func timeOf(ns int64, fallback time.Time) time.Time {
	if ns == 0 {
		return fallback
	}
	return time.Unix(0, ns)
}
