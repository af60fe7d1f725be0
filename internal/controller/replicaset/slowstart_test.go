package replicaset

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestReplicaSetSlowStart(t *testing.T) {
	for _, tc := range []struct {
		name      string
		count     int
		failAt    int // the call number (1-based) that fails first; 0 none
		wantDone  int
		wantCalls int
	}{
		{"all succeed", 10, 0, 10, 10},
		{"none", 0, 0, 0, 0},
		{"first fails", 10, 1, 0, 1},
		// Batches 1, 2, 4: the 5th call is in the third batch, which runs whole.
		{"fails in third batch", 100, 5, 6, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			var mu sync.Mutex
			done, err := slowStart(tc.count, func() error {
				n := calls.Add(1)
				mu.Lock()
				defer mu.Unlock()
				if tc.failAt > 0 && int(n) == tc.failAt {
					return errors.New("boom")
				}
				return nil
			})
			if done != tc.wantDone || int(calls.Load()) != tc.wantCalls || (err != nil) != (tc.failAt > 0) {
				t.Fatalf("slowStart = %d, %v after %d calls; want %d after %d", done, err, calls.Load(), tc.wantDone, tc.wantCalls)
			}
		})
	}
}
