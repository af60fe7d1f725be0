package etcd

import (
	"context"
	"log/slog"
	"time"
)

// DefragPolicy says when the embedded member's database is rewritten.
//
// Compaction frees old revisions inside etcd's bbolt file, but the file
// never shrinks, and every page of it the member once read stays mapped
// into the process: after a burst of writes (10,000 pods created, then
// rolled out) the server kept ~200 MiB of a 255 MB file resident, of
// which the first compaction left ~125 MB in use. A defragmentation
// rewrites the live data into a new file, so that memory goes back. It
// blocks the member's reads and writes while it runs, so it waits for a
// quiet moment, as an operator running `etcdctl defrag` would.
type DefragPolicy struct {
	// MinFree is the least free space worth a rewrite; the free space must
	// also be at least half of the file.
	MinFree int64
	// MaxInUse is the most live data rewritten: the rewrite copies it at
	// ~7–14 ms per MB here (124–126 MB took 0.83–1.77 s), and every
	// request to etcd waits meanwhile, leader-election renewals included.
	MaxInUse int64
	// QuietWrites is the most revisions per QuietWindow that still count
	// as quiet; QuietWindow is how long the rate is measured over.
	QuietWrites int64
	QuietWindow time.Duration
	// GiveUpAfter ends the wait for a quiet moment (the next compaction
	// looks again).
	GiveUpAfter time.Duration
}

// DefaultDefragPolicy rewrites files with at least 64 MiB free and at most
// 256 MiB of data once writes drop under 200 a second (a 1,000-node
// cluster renews 100 leases a second).
var DefaultDefragPolicy = DefragPolicy{MinFree: 64 << 20, MaxInUse: 256 << 20, QuietWrites: 2000, QuietWindow: 10 * time.Second, GiveUpAfter: 5 * time.Minute}

// sparse reports whether a file of size bytes, inUse of them holding
// data, is worth rewriting.
func (p DefragPolicy) sparse(size, inUse int64) bool {
	free := size - inUse
	return free >= p.MinFree && 2*free >= size && inUse <= p.MaxInUse
}

// DefragIfSparse rewrites the member's database if it is sparse, once
// writes are quiet; it reports whether it did. Meant to run after each
// compaction, which is what makes a file sparse.
func (e *Embedded) DefragIfSparse(ctx context.Context, p DefragPolicy) (bool, error) {
	st, err := e.Client.Status(ctx, "")
	if err != nil {
		return false, err
	}
	if !p.sparse(st.DbSize, st.DbSizeInUse) {
		return false, nil
	}
	quiet, err := e.waitQuiet(ctx, p)
	if err != nil || !quiet {
		return false, err
	}
	start := time.Now()
	// Straight to the server: the in-process client's maintenance service
	// has no health notifier, and its Defragment dereferences it.
	if err := e.etcd.Server.Defragment(); err != nil {
		return false, err
	}
	after, err := e.Client.Status(ctx, "")
	if err != nil {
		return true, err
	}
	slog.Info("defragmented etcd", "before", st.DbSize, "inUse", st.DbSizeInUse, "after", after.DbSize, "took", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// waitQuiet polls the revision until fewer than QuietWrites happened in
// one QuietWindow, or GiveUpAfter passes.
func (e *Embedded) waitQuiet(ctx context.Context, p DefragPolicy) (bool, error) {
	deadline := time.Now().Add(p.GiveUpAfter)
	last, err := e.revision(ctx)
	if err != nil {
		return false, err
	}
	t := time.NewTicker(p.QuietWindow)
	defer t.Stop()
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
		}
		rev, err := e.revision(ctx)
		if err != nil {
			return false, err
		}
		if rev-last < p.QuietWrites {
			return true, nil
		}
		last = rev
	}
	return false, nil
}

func (e *Embedded) revision(ctx context.Context) (int64, error) {
	st, err := e.Client.Status(ctx, "")
	if err != nil {
		return 0, err
	}
	return st.Header.Revision, nil
}
