package proxy

import "time"

// schedule decides when the next sync runs. Full rewrites are rate limited
// (minFull apart) and repeated every fullPeriod to repair drift; a change
// to a few Services is written at once as a partial sync, at most one per
// minPartial, so a burst of changes is batched rather than ignored.
type schedule struct {
	minFull, minPartial, fullPeriod time.Duration
	lastFull, lastSync              time.Time
}

// next says whether the next sync is full and when it may start (a time in
// the past: now). With nothing to do it is the periodic full sync.
func (s schedule) next(needFull, dirty bool) (full bool, at time.Time) {
	switch {
	case needFull:
		return true, later(s.lastFull.Add(s.minFull), s.lastSync.Add(s.minPartial))
	case dirty:
		return false, s.lastSync.Add(s.minPartial)
	default:
		return true, s.lastFull.Add(s.fullPeriod)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
