package framework

import (
	"context"
	"maps"
)

// Helpers for the preemption package (internal/scheduler/preemption), which
// runs what-if cycles over modified copies of a snapshot.

// ShallowCopy returns a snapshot that shares s's NodeInfos and namespace
// labels but owns its node list, so Replace/Refresh on the copy leave s
// untouched. Replace on the copy must be given a NodeInfo that is not the
// one currently at that index (e.g. a Clone), or the affinity lists may be
// left stale.
func (s *Snapshot) ShallowCopy() *Snapshot {
	c := &Snapshot{
		nodes:                    append([]*NodeInfo(nil), s.nodes...),
		byName:                   make(map[string]*NodeInfo, len(s.byName)),
		havePodsWithAffinity:     append([]*NodeInfo(nil), s.havePodsWithAffinity...),
		havePodsWithRequiredAnti: append([]*NodeInfo(nil), s.havePodsWithRequiredAnti...),
		namespaceLabels:          s.namespaceLabels,
		listsStale:               s.listsStale,
		largestImage:             maps.Clone(s.largestImage),
	}
	for k, v := range s.byName {
		c.byName[k] = v
	}
	return c
}

// Parallelize runs fn(i) for i in [0, n) on at most workers goroutines
// (exported form of the framework's own worker pool).
func Parallelize(ctx context.Context, workers, n int, fn func(i int)) {
	parallelize(ctx, workers, n, fn)
}
