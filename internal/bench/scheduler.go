package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// SchedulerOptions size the scheduler benchmark.
type SchedulerOptions struct {
	Binary  string
	Nodes   int
	Pods    int
	Clients int // concurrent pod creators
	// Workload: "plain", "anti-affinity" (required anti-affinity on
	// hostname within groups of 10 pods) or "spread" (topology spread over
	// zones, maxSkew 1, DoNotSchedule).
	Workload string
}

// SchedulerReport holds the results.
type SchedulerReport struct {
	Nodes, Pods  int
	Workload     string
	Elapsed      time.Duration // scheduler start to last pod bound
	Throughput   float64       // pods bound per second, first bind to last
	CPUPerPod    time.Duration // scheduler process CPU time / pods
	SchedulerRSS int64
}

func (r SchedulerReport) Print(w io.Writer) {
	fmt.Fprintf(w, "nodes %d, pods %d (%s pods, created before the scheduler starts)\n", r.Nodes, r.Pods, r.Workload)
	fmt.Fprintf(w, "  scheduled:                  %.0f pods/s (first to last binding)\n", r.Throughput)
	fmt.Fprintf(w, "  scheduler start to all bound: %v\n", r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  scheduler CPU per pod:      %v\n", r.CPUPerPod.Round(time.Microsecond))
	fmt.Fprintf(w, "  scheduler RSS after:        %.1f MiB\n", float64(r.SchedulerRSS)/(1<<20))
}

// Scheduler measures `orca scheduler` as its own process against a fresh
// server: N nodes and M pending pods exist first, then the scheduler starts
// and the bench watches every pod get bound.
func Scheduler(ctx context.Context, o SchedulerOptions) (*SchedulerReport, error) {
	tmp, err := os.MkdirTemp("", "orca-bench-sched")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	srv, cs, err := startReadyServer(ctx, o.Binary, filepath.Join(tmp, "data"), "--disable-scheduler")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if err := parallel(o.Clients, o.Nodes, func(i int) error {
		_, err := cs.CoreV1().Nodes().Create(ctx, benchNode(i), metav1.CreateOptions{})
		return err
	}); err != nil {
		return nil, fmt.Errorf("create nodes: %w", err)
	}
	if err := parallel(o.Clients, o.Pods, func(i int) error {
		_, err := cs.CoreV1().Pods("default").Create(ctx, benchPod(i, o.Workload), metav1.CreateOptions{})
		return err
	}); err != nil {
		return nil, fmt.Errorf("create pods: %w", err)
	}
	list, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	w, err := cs.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		return nil, err
	}
	defer func() { w.Stop() }()

	start := time.Now()
	sched := exec.Command(o.Binary, "scheduler", "--kubeconfig", srv.kubeconfig(), "--leader-elect=false", "--log-level", "warn")
	sched.Stdout, sched.Stderr = os.Stderr, os.Stderr
	if err := sched.Start(); err != nil {
		return nil, err
	}
	defer func() { sched.Process.Signal(os.Interrupt); sched.Wait() }() // SIGINT: lets a --cpu-profile be written

	var first, last time.Time
	bound := map[string]bool{}
	lastRV := list.ResourceVersion
	deadline := time.After(10 * time.Minute)
	for len(bound) < o.Pods {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				// The server ends watches that fall behind; resume, as informers do.
				w.Stop()
				if w, err = cs.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{ResourceVersion: lastRV}); err != nil {
					return nil, fmt.Errorf("rewatch after %d bindings: %w", len(bound), err)
				}
				continue
			}
			p, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				continue
			}
			lastRV = p.ResourceVersion
			if ev.Type != watch.Modified || p.Spec.NodeName == "" || bound[p.Name] {
				continue
			}
			now := time.Now()
			if first.IsZero() {
				first = now
			}
			last = now
			bound[p.Name] = true
		case <-deadline:
			return nil, fmt.Errorf("only %d of %d pods bound in 10 minutes", len(bound), o.Pods)
		}
	}
	rep := &SchedulerReport{Nodes: o.Nodes, Pods: o.Pods, Workload: o.Workload, Elapsed: last.Sub(start)}
	rep.Throughput = float64(o.Pods) / max(last.Sub(first).Seconds(), 1e-3)
	cpu, rss, err := procCPUAndRSS(sched.Process.Pid)
	if err != nil {
		return nil, err
	}
	rep.CPUPerPod, rep.SchedulerRSS = cpu/time.Duration(o.Pods), rss
	return rep, nil
}

func benchNode(i int) *corev1.Node {
	name := fmt.Sprintf("node-%05d", i)
	res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("128Gi"), corev1.ResourcePods: resource.MustParse("110")}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", i%3)}},
		Status: corev1.NodeStatus{Capacity: res, Allocatable: res,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
	}
}

func benchPod(i int, workload string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%06d", i), Labels: map[string]string{"app": "bench"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}}}}},
	}
	switch workload {
	case "anti-affinity":
		group := fmt.Sprintf("g%d", i/10)
		p.Labels["group"] = group
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"group": group}}, TopologyKey: "kubernetes.io/hostname"}}}}
	case "spread":
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone",
			WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "bench"}}}}
	}
	return p
}

// parallel runs fn(0..n-1) on `workers` goroutines; the first error wins.
func parallel(workers, n int, fn func(i int) error) error {
	var next atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// procCPUAndRSS reads a process's user+system CPU time and resident size.
func procCPUAndRSS(pid int) (time.Duration, int64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name (which may hold spaces) start at ')'.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	rssPages, _ := strconv.ParseInt(f[21], 10, 64)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / hz, rssPages * int64(os.Getpagesize()), nil
}
