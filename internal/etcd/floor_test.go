package etcd

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// BenchmarkEmbeddedWrite measures what etcd alone costs per write, the
// floor under every API write orca makes: a create-if-absent transaction
// of a pod-sized value from many concurrent writers, as the apiserver
// sends them. It reports the process's CPU per write (cpu-µs/op).
func BenchmarkEmbeddedWrite(b *testing.B) {
	ctx := context.Background()
	e, err := StartEmbedded(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	value := string(make([]byte, 2500))
	const writers = 64
	var next atomic.Int64
	b.ResetTimer()
	start := cpuTime()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				key := fmt.Sprintf("/registry/pods/default/p-%d", i)
				_, err := e.Client.Txn(ctx).
					If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).
					Then(clientv3.OpPut(key, value)).Commit()
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
