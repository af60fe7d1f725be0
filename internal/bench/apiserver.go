package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// APIServerOptions size the apiserver benchmark.
type APIServerOptions struct {
	Binary        string        // the orca binary to run
	Idle          time.Duration // how long to idle before reading RSS
	Clients       int           // concurrent writers
	WritesPerUser int
	Watchers      int
	WatchWrites   int
}

// APIServerReport holds the results.
type APIServerReport struct {
	Startup          time.Duration
	IdleRSS          int64
	Idle             memory
	Writes           int
	WriteThroughput  float64
	WriteP50         time.Duration
	WriteP99         time.Duration
	WatchFanoutP50   time.Duration
	WatchFanoutP99   time.Duration
	WatchersNotified int
}

func (r APIServerReport) Print(w io.Writer) {
	fmt.Fprintf(w, "startup to /readyz ok:        %v\n", r.Startup.Round(time.Millisecond))
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	fmt.Fprintf(w, "idle RSS:                     %.1f MiB (anonymous %.1f, file-backed %.1f)\n", mib(r.IdleRSS), mib(r.Idle.Anon), mib(r.Idle.File))
	fmt.Fprintf(w, "  idle working set:           %.1f MiB (pages touched in the second half of the idle time)\n", mib(r.Idle.Referenced))
	fmt.Fprintf(w, "configmap creates:            %d by concurrent clients\n", r.Writes)
	fmt.Fprintf(w, "  throughput:                 %.0f/s\n", r.WriteThroughput)
	fmt.Fprintf(w, "  latency p50 / p99:          %v / %v\n", r.WriteP50.Round(10*time.Microsecond), r.WriteP99.Round(10*time.Microsecond))
	fmt.Fprintf(w, "watch fan-out to %d watchers: write -> last watcher notified p50 %v, p99 %v\n",
		r.WatchersNotified, r.WatchFanoutP50.Round(10*time.Microsecond), r.WatchFanoutP99.Round(10*time.Microsecond))
}

// APIServer starts a fresh server process and measures it.
func APIServer(ctx context.Context, o APIServerOptions) (*APIServerReport, error) {
	tmp, err := os.MkdirTemp("", "orca-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// The scheduler would react to the benchmark's pods (and double the
	// watch traffic); this measures the API server alone.
	p, err := startServer(o.Binary, filepath.Join(tmp, "data"), "--disable-scheduler")
	if err != nil {
		return nil, err
	}
	defer p.stop()
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	rep := &APIServerReport{}
	if rep.Startup, err = p.waitReady(rctx); err != nil {
		return nil, err
	}
	// Idling is what is measured: let start-up work settle, then watch which
	// pages the idle server touches during the second half.
	time.Sleep(o.Idle / 2)
	if err := p.clearRefs(); err != nil {
		return nil, err
	}
	time.Sleep(o.Idle / 2)
	if rep.Idle, err = p.memory(); err != nil {
		return nil, err
	}
	rep.IdleRSS = rep.Idle.RSS
	cfg, err := clientcmd.BuildConfigFromFlags("", p.kubeconfig())
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = -1, -1
	if err := writeLoad(ctx, cfg, o, rep); err != nil {
		return nil, err
	}
	if err := watchFanout(ctx, cfg, o, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// writeLoad has o.Clients clients create ConfigMaps as fast as they can.
func writeLoad(ctx context.Context, base *rest.Config, o APIServerOptions, rep *APIServerReport) error {
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < o.Clients; c++ {
		cfg := rest.CopyConfig(base)
		cfg.UserAgent = fmt.Sprintf("bench-writer-%d", c) // a distinct client each
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			local := make([]time.Duration, 0, o.WritesPerUser)
			for i := 0; i < o.WritesPerUser; i++ {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%d-%d", c, i)}, Data: map[string]string{"k": "v"}}
				t0 := time.Now()
				if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("configmap create: %w", firstErr)
	}
	elapsed := time.Since(start)
	rep.Writes = len(lat)
	rep.WriteThroughput = float64(len(lat)) / elapsed.Seconds()
	rep.WriteP50, rep.WriteP99 = percentile(lat, 50), percentile(lat, 99)
	return nil
}

// watchFanout opens o.Watchers watches on pods, then times each write until
// the last watcher has seen it.
func watchFanout(ctx context.Context, cfg *rest.Config, o APIServerOptions, rep *APIServerReport) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ns := "default"
	type seen struct {
		name string
		at   time.Time
	}
	events := make(chan seen, o.Watchers*4)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ready sync.WaitGroup
	for i := 0; i < o.Watchers; i++ {
		w, err := cs.CoreV1().Pods(ns).Watch(wctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return fmt.Errorf("watcher %d: %w", i, err)
		}
		ready.Add(1)
		go func() {
			defer w.Stop()
			ready.Done()
			for ev := range w.ResultChan() {
				if ev.Type == watch.Added {
					events <- seen{ev.Object.(*corev1.Pod).Name, time.Now()}
				}
			}
		}()
	}
	ready.Wait()
	var fan []time.Duration
	for i := 0; i < o.WatchWrites; i++ {
		name := fmt.Sprintf("fanout-%d", i)
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
		t0 := time.Now()
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("pod create: %w", err)
		}
		var last time.Time
		deadline := time.After(30 * time.Second)
		for got := 0; got < o.Watchers; {
			select {
			case s := <-events:
				if s.name == name {
					got++
					last = s.at
				}
			case <-deadline:
				return fmt.Errorf("write %d: only %d of %d watchers notified in 30s", i, got, o.Watchers)
			}
		}
		fan = append(fan, last.Sub(t0))
	}
	rep.WatchersNotified = o.Watchers
	rep.WatchFanoutP50, rep.WatchFanoutP99 = percentile(fan, 50), percentile(fan, 99)
	return nil
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[max(0, min(i, len(s))-1)]
}
