package prober

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

func TestRemovePodStopsWorkers(t *testing.T) {
	cases := []struct {
		name  string
		block bool // probes hang until cancelled
	}{
		{"idle workers", false},
		{"probes in flight", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			h := newHarness(t)
			h.runner.block = tc.block
			const pods = 20
			for i := 0; i < pods; i++ {
				uid := types.UID(fmt.Sprint("u", i))
				h.state.set(uid, "c", fmt.Sprint("c", i), h.clock.Now(), true)
				h.m.AddPod(testPod(string(uid), ctr("c", withProbe("liveness"), withProbe("readiness"), withProbe("startup"))))
			}
			if got := h.m.live.Load(); got != 3*pods {
				t.Fatalf("%d workers, want %d", got, 3*pods)
			}
			if tc.block {
				// Every startup probe hangs in the runner; liveness and
				// readiness step once, waiting for startup.
				h.waitSteps(2 * pods)
				h.waitFor("probes in flight", func() bool { return h.runner.count("c/startup") == pods })
			} else {
				h.waitSteps(3 * pods)
			}
			for i := 0; i < pods; i++ {
				h.m.RemovePod(types.UID(fmt.Sprint("u", i)))
			}
			h.waitFor("workers to exit", func() bool { return h.m.live.Load() == 0 })
			h.waitFor("goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
			if n := h.m.results.len(); n != 0 {
				t.Fatalf("%d results left after RemovePod", n)
			}
			if h.m.Ready("u0", "c0") {
				t.Fatal("removed pod still ready")
			}
			// A stopped worker ignores the clock. (Probes that were in
			// flight finished their step before exiting; drop those.)
			for len(h.steps) > 0 {
				<-h.steps
			}
			h.clock.Step(time.Minute)
			h.expectNoSteps()
		})
	}
}
