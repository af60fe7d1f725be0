package cache

import (
	"fmt"
	"testing"
	"time"

	testclock "k8s.io/utils/clock/testing"
)

// BenchmarkSnapshot measures one cycle's snapshot on 5,000 nodes when one
// node changed since the last cycle (the steady state while scheduling).
func BenchmarkSnapshot(b *testing.B) {
	c := New(testclock.NewFakeClock(time.Unix(0, 0)))
	for i := 0; i < 5000; i++ {
		c.SetNode(node(fmt.Sprintf("n%05d", i)))
	}
	c.Snapshot()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.AddPod(pod(fmt.Sprintf("p%d", i), fmt.Sprintf("n%05d", i%5000), "10m"))
		c.Snapshot()
	}
}
