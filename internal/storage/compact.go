package storage

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Compact drops etcd history older than one interval, every interval, the
// way kube-apiserver does: each cycle compacts to the revision seen at the
// previous one, so watchers always have at least one interval to resume.
// after, if not nil, runs after each compaction has physically freed the
// old revisions (on this goroutine, so the next cycle waits for it). An
// interval of 0 or less compacts nothing.
func Compact(ctx context.Context, client *clientv3.Client, interval time.Duration, after func(context.Context)) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var last int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		resp, err := client.Get(ctx, "/registry/compact-rev-key")
		if err != nil {
			slog.Warn("compaction: read revision", "err", err)
			continue
		}
		if last > 0 {
			if _, err := client.Compact(ctx, last, clientv3.WithCompactPhysical()); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
				slog.Warn("compaction failed", "rev", last, "err", err)
			} else {
				slog.Debug("compacted etcd", "rev", last)
				if after != nil {
					after(ctx)
				}
			}
		}
		last = resp.Header.Revision
	}
}
