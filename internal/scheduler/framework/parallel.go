package framework

import (
	"context"
	"sync"
	"sync/atomic"
)

// parallelize runs fn(i) for i in [0, n) on at most workers goroutines.
// Each index is written by exactly one call, so callers store results in
// per-index slots and stay deterministic without locks. Workers claim
// chunks rather than single indices to keep the shared counter cold.
func parallelize(ctx context.Context, workers, n int, fn func(i int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			fn(i)
		}
		return
	}
	chunk := max(1, n/(workers*4))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+chunk, n); i++ {
					fn(i)
				}
			}
		}()
	}
	wg.Wait()
}
