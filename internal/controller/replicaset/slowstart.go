package replicaset

import "sync"

// slowStart calls fn count times in batches of 1, 2, 4, ... running each
// batch in parallel, and stops after the first batch with a failure: when
// every call fails (quota, admission), only a few are wasted, and when they
// work, many run at once. It returns how many calls succeeded and the
// first error.
func slowStart(count int, fn func() error) (int, error) {
	done := 0
	for batch := min(1, count); batch > 0; batch = min(2*batch, count-done) {
		errs := make(chan error, batch)
		var wg sync.WaitGroup
		for i := 0; i < batch; i++ {
			wg.Go(func() {
				if err := fn(); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		done += batch - len(errs)
		if len(errs) > 0 {
			return done, <-errs
		}
	}
	return done, nil
}
