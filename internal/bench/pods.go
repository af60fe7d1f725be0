package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"orca/internal/agent/containerd"
	"orca/internal/image/pause"
)

// PodsOptions size the pod startup benchmark.
type PodsOptions struct {
	Binary   string
	Pods     int
	Parallel int // concurrent creators
	// Intervals: one round per entry, each with this pause between creates
	// (0: one after another as fast as the API takes them).
	Intervals []time.Duration
	Idle      time.Duration // node Ready to the agent's idle RSS reading
	Timeout   time.Duration // per wait: all pods Ready, all pods gone
	Keep      bool          // keep the temporary directory (logs, containerd's log)
	Progress  io.Writer     // progress lines; nil for none
}

// PodsReport holds the results.
type PodsReport struct {
	NodeReady         time.Duration // agent process start to node Ready
	AgentIdle         memory        // the agent process alone
	ContainerdIdleRSS int64         // its child containerd, reported apart
	Rounds            []PodsRound
	Leftover          []string // containers containerd still had before the agent stopped
	AgentStop         time.Duration
	IdleMachineCores  float64 // the whole machine's CPU use while the node idled: other work
	Dir               string  // kept temporary directory, if any
}

// PodsRound is one batch of pods created, run and deleted.
type PodsRound struct {
	Pods, Parallel int
	Interval       time.Duration
	Latency        []time.Duration // create call to a watch seeing Running with Ready=True
	Wall           time.Duration   // first create call to last pod Ready
	Stages         []stage
	MaxSandboxes   int // most RunPodSandbox calls in flight at once
	AgentCPU       time.Duration
	ContainerdCPU  time.Duration
	ChildrenCPU    time.Duration // processes containerd ran and waited for: CNI plugins, shim launches
	ServerCPU      time.Duration
	MachineCPU     time.Duration // every process on the machine (other work included)
	AgentRunning   memory        // the agent with every pod running
	Requests       []requestRate // on the server, first create to all Ready
	Changes        float64       // watch Modified events per pod, first create to all Ready
	Delete         time.Duration
	LeftAfter      int // containers in containerd once every pod was gone from the API
}

// stage is one step of pod startup across the round's pods.
type stage struct {
	Name               string
	P50, P90, P99, Max time.Duration
	N                  int
}

func (r PodsReport) Print(w io.Writer) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	fmt.Fprintf(w, "node Ready after agent start:     %v\n", r.NodeReady.Round(time.Millisecond))
	fmt.Fprintf(w, "agent idle RSS:                   %.1f MiB (anonymous %.1f, file-backed %.1f; working set %.1f)\n",
		mib(r.AgentIdle.RSS), mib(r.AgentIdle.Anon), mib(r.AgentIdle.File), mib(r.AgentIdle.Referenced))
	fmt.Fprintf(w, "  not counted: its containerd:    %.1f MiB\n", mib(r.ContainerdIdleRSS))
	fmt.Fprintf(w, "machine CPU while the node idled: %.2f cores (other work on the machine; subtracted below)\n", r.IdleMachineCores)
	fmt.Fprintf(w, "pods: image %s (present on the node, imagePullPolicy Never), no readiness probe: Ready = container running\n", pause.Image)
	for i, rd := range r.Rounds {
		pace := "no pause between creates"
		if rd.Interval > 0 {
			pace = fmt.Sprintf("one create every %v", rd.Interval)
		}
		fmt.Fprintf(w, "round %d: %d pods, %d creator(s), %s\n", i+1, rd.Pods, rd.Parallel, pace)
		fmt.Fprintf(w, "  create -> Running & Ready:      p50 %v  p90 %v  p99 %v  max %v\n",
			ms(percentile(rd.Latency, 50)), ms(percentile(rd.Latency, 90)), ms(percentile(rd.Latency, 99)), ms(percentile(rd.Latency, 100)))
		fmt.Fprintf(w, "  first create -> last Ready:     %v (%.1f pods/s)\n", ms(rd.Wall), float64(rd.Pods)/rd.Wall.Seconds())
		fmt.Fprintf(w, "  where the time goes             p50      p90      p99      max   (pods)\n")
		for _, s := range rd.Stages {
			fmt.Fprintf(w, "    %-30s %8v %8v %8v %8v (%d)\n", s.Name, ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), s.N)
		}
		fmt.Fprintf(w, "  RunPodSandbox calls in flight:  at most %d\n", rd.MaxSandboxes)
		fmt.Fprintf(w, "  CPU, first create to all Ready: agent %v, containerd %v (+%v in the CNI plugins and shim launches it waited for), server %v\n",
			ms(rd.AgentCPU), ms(rd.ContainerdCPU), ms(rd.ChildrenCPU), ms(rd.ServerCPU))
		own := rd.MachineCPU - time.Duration(r.IdleMachineCores*float64(rd.Wall))
		fmt.Fprintf(w, "    whole machine:                %v, %.2f of %d cores; less the idle baseline %v = %v per pod (runc, shims, pause included)\n",
			ms(rd.MachineCPU), rd.MachineCPU.Seconds()/rd.Wall.Seconds(), runtime.NumCPU(), ms(own), ms(own/time.Duration(max(1, rd.Pods))))
		fmt.Fprintf(w, "  requests on the server per pod: ")
		for _, q := range rd.Requests {
			if q.Count/float64(rd.Pods) < 0.05 {
				continue
			}
			res := q.Resource
			if q.Subresource != "" {
				res += "/" + q.Subresource
			}
			fmt.Fprintf(w, "%s %s %.2f; ", q.Verb, res, q.Count/float64(rd.Pods))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  pod changes a watch saw per pod meanwhile: %.2f (the binding, then the status writes that changed something)\n", rd.Changes)
		fmt.Fprintf(w, "  agent RSS, all pods running:    %.1f MiB (anonymous %.1f)\n", mib(rd.AgentRunning.RSS), mib(rd.AgentRunning.Anon))
		fmt.Fprintf(w, "  delete all -> gone from API:    %v; containers left in containerd then: %d\n", ms(rd.Delete), rd.LeftAfter)
	}
	fmt.Fprintf(w, "containers left before the agent stopped: %d %v\n", len(r.Leftover), r.Leftover)
	fmt.Fprintf(w, "agent stop (SIGTERM -> exit):     %v\n", ms(r.AgentStop))
	if r.Dir != "" {
		fmt.Fprintf(w, "logs kept in %s\n", r.Dir)
	}
}

func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// Pods runs a server and a real node agent as child processes and times
// pods from the create call to Running and Ready.
func Pods(ctx context.Context, o PodsOptions) (rep *PodsReport, err error) {
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	tmp, err := os.MkdirTemp("", "orca-bench-pods")
	if err != nil {
		return nil, err
	}
	rep = &PodsReport{}
	if o.Keep {
		rep.Dir = tmp
	} else {
		defer os.RemoveAll(tmp)
	}
	srv, cs, err := startReadyServer(ctx, o.Binary, filepath.Join(tmp, "server"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()

	const nodeName = "orca-bench-node"
	agent, err := startAgent(o.Binary, filepath.Join(tmp, "agent"), srv.kubeconfig(), "--node-name", nodeName)
	if err != nil {
		return nil, err
	}
	agentDir := filepath.Join(agent.dataDir, "agent") // the agent's --agent-data-dir
	socket := containerd.SocketPath(agentDir)
	const ns = "default"
	selector := "orca-bench=pods"
	defer func() {
		// Never leave containers behind: delete the pods while the agent
		// runs, check containerd is empty, only then stop the agent.
		if e := deleteAllPods(context.WithoutCancel(ctx), cs, ns, selector, o.Timeout); e != nil && err == nil {
			err = e
		}
		left, e := runtimeContainers(context.WithoutCancel(ctx), socket)
		if e != nil && err == nil {
			err = e
		}
		rep.Leftover = left
		t0 := time.Now()
		stopAgent(agent, agentDir)
		rep.AgentStop = time.Since(t0)
	}()
	progress("waiting for node %s to be Ready", nodeName)
	if rep.NodeReady, err = waitNodeReady(ctx, cs, nodeName, agent.started, 2*time.Minute); err != nil {
		return rep, err
	}
	m0, t0 := machineCPU(), time.Now()
	time.Sleep(o.Idle / 2)
	if err := agent.clearRefs(); err != nil {
		return rep, err
	}
	time.Sleep(o.Idle / 2)
	rep.IdleMachineCores = (machineCPU() - m0).Seconds() / time.Since(t0).Seconds()
	if rep.AgentIdle, err = agent.memory(); err != nil {
		return rep, err
	}
	if pid := containerdPID(agentDir); pid > 0 {
		_, rep.ContainerdIdleRSS, _ = procCPUAndRSS(pid)
	}
	for i, interval := range o.Intervals {
		progress("round %d: %d pods, %d creator(s), interval %v", i+1, o.Pods, o.Parallel, interval)
		rd, err := podsRound(ctx, cs, o, i, interval, srv, agent, agentDir, socket)
		if err != nil {
			return rep, fmt.Errorf("round %d: %w", i+1, err)
		}
		rep.Rounds = append(rep.Rounds, *rd)
	}
	return rep, nil
}

// startAgent runs `orca agent` with its own data dir and a free kubelet port.
func startAgent(bin, dataDir, kubeconfig string, extra ...string) (*serverProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	args := append([]string{"agent", "--kubeconfig", kubeconfig, "--data-dir", dataDir, "--kubelet-port", strconv.Itoa(port)}, extra...)
	cmd := exec.Command(bin, args...)
	logf, err := os.Create(filepath.Join(filepath.Dir(dataDir), "agent.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	p := &serverProcess{cmd: cmd, dataDir: dataDir, port: port, started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// stopAgent sends SIGTERM and waits; should the agent hang it is killed,
// and so is the containerd it supervised (which runs in its own process
// group and would outlive it).
func stopAgent(p *serverProcess, agentDir string) {
	ctrd := containerdPID(agentDir)
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-done
		if ctrd > 0 {
			syscall.Kill(ctrd, syscall.SIGKILL)
		}
	}
}

// containerdPID is the agent's containerd from its pid file, 0 if unknown or dead.
func containerdPID(agentDir string) int {
	b, err := os.ReadFile(filepath.Join(agentDir, "containerd", "containerd.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

// runtimeContainers lists what containerd holds in the CRI namespace.
func runtimeContainers(ctx context.Context, socket string) ([]string, error) {
	out, err := exec.CommandContext(ctx, "ctr", "--address", socket, "-n", "k8s.io", "containers", "ls", "-q").Output()
	if err != nil {
		return nil, fmt.Errorf("ctr containers ls: %w", err)
	}
	return strings.Fields(string(out)), nil
}

func waitNodeReady(ctx context.Context, cs kubernetes.Interface, name string, since time.Time, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if n, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); err == nil && nodeReady(n) {
			return time.Since(since), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("node %s not Ready after %v", name, timeout)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podRunningReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func benchPausePod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"orca-bench": "pods"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "pause", Image: pause.Image, ImagePullPolicy: corev1.PullNever,
		}}},
	}
}

func podsRound(ctx context.Context, cs kubernetes.Interface, o PodsOptions, round int, interval time.Duration, srv, agent *serverProcess, agentDir, socket string) (*PodsRound, error) {
	const ns = "default"
	rd := &PodsRound{Pods: o.Pods, Parallel: o.Parallel, Interval: interval}
	logPath := filepath.Join(agentDir, "containerd", "containerd.log")
	var logOffset int64
	if st, err := os.Stat(logPath); err == nil {
		logOffset = st.Size()
	}
	ctrd := containerdPID(agentDir)
	cpu0 := readCPUs(agent.cmd.Process.Pid, ctrd, srv.cmd.Process.Pid)

	tr, err := watchPods(ctx, cs, ns, "orca-bench=pods")
	if err != nil {
		return nil, err
	}
	defer tr.stop()
	req0, err := scrapeRequests(ctx, cs)
	if err != nil {
		return nil, err
	}

	names := make([]string, o.Pods)
	created := make([]time.Time, o.Pods)
	createCall := make([]time.Duration, o.Pods)
	for i := range names {
		names[i] = fmt.Sprintf("bench-%d-%04d", round, i)
	}
	// Pod i is released at start + i*interval; creators take them in order.
	next := make(chan int)
	start := time.Now()
	go func() {
		defer close(next)
		for i := 0; i < o.Pods; i++ {
			if interval > 0 {
				if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
					time.Sleep(d)
				}
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var once sync.Once
	var createErr error
	for w := 0; w < max(1, o.Parallel); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				_, err := cs.CoreV1().Pods(ns).Create(ctx, benchPausePod(names[i]), metav1.CreateOptions{})
				created[i], createCall[i] = t0, time.Since(t0)
				if err != nil {
					once.Do(func() { createErr = err })
				}
			}
		}()
	}
	wg.Wait()
	if createErr != nil {
		return nil, fmt.Errorf("create pod: %w", createErr)
	}
	if err := tr.wait(ctx, o.Timeout, func() bool { return tr.count(func(s *podSeen) bool { return !s.ready.IsZero() }, names) == len(names) }); err != nil {
		n := tr.count(func(s *podSeen) bool { return !s.ready.IsZero() }, names)
		return nil, fmt.Errorf("%d of %d pods Running and Ready after %v: %w", n, len(names), o.Timeout, err)
	}
	cpu1 := readCPUs(agent.cmd.Process.Pid, ctrd, srv.cmd.Process.Pid)
	req1, err := scrapeRequests(ctx, cs)
	if err != nil {
		return nil, err
	}
	rd.Requests = requestRates(req0, req1)
	rd.AgentCPU, rd.ContainerdCPU, rd.ChildrenCPU = cpu1.agent-cpu0.agent, cpu1.containerd-cpu0.containerd, cpu1.children-cpu0.children
	rd.ServerCPU, rd.MachineCPU = cpu1.server-cpu0.server, cpu1.machine-cpu0.machine
	if rd.AgentRunning, err = agent.memory(); err != nil {
		return nil, err
	}

	seen := tr.snapshot()
	var lastReady time.Time
	for i, n := range names {
		s := seen[n]
		rd.Changes += float64(s.changes) / float64(len(names))
		rd.Latency = append(rd.Latency, s.ready.Sub(created[i]))
		if s.ready.After(lastReady) {
			lastReady = s.ready
		}
	}
	rd.Wall = lastReady.Sub(created[0])

	cri, err := readContainerdLog(logPath, logOffset)
	if err != nil {
		return nil, err
	}
	rd.Stages, rd.MaxSandboxes = startupStages(ns, names, created, createCall, seen, cri)

	t0 := time.Now()
	if err := parallel(max(1, o.Parallel), len(names), func(i int) error {
		return cs.CoreV1().Pods(ns).Delete(ctx, names[i], metav1.DeleteOptions{})
	}); err != nil {
		return nil, fmt.Errorf("delete pods: %w", err)
	}
	if err := tr.wait(ctx, o.Timeout, func() bool { return tr.count(func(s *podSeen) bool { return !s.gone.IsZero() }, names) == len(names) }); err != nil {
		return nil, fmt.Errorf("pods not gone after %v: %w", o.Timeout, err)
	}
	rd.Delete = time.Since(t0)
	left, err := runtimeContainers(ctx, socket)
	if err != nil {
		return nil, err
	}
	rd.LeftAfter = len(left)
	return rd, nil
}

// cpus are CPU times read at one instant.
type cpus struct{ agent, containerd, children, server, machine time.Duration }

func readCPUs(agent, containerd, server int) cpus {
	var c cpus
	c.agent, _, _ = procCPUAndRSS(agent)
	c.server, _, _ = procCPUAndRSS(server)
	if containerd > 0 {
		c.containerd, _, _ = procCPUAndRSS(containerd)
		c.children = procChildrenCPU(containerd)
	}
	c.machine = machineCPU()
	return c
}

// procChildrenCPU is the CPU time of a process's children it waited for
// (cutime + cstime in /proc/PID/stat).
func procChildrenCPU(pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	if len(f) < 15 {
		return 0
	}
	cu, _ := strconv.ParseInt(f[13], 10, 64)
	cs, _ := strconv.ParseInt(f[14], 10, 64)
	return time.Duration(cu+cs) * time.Second / 100 // USER_HZ
}

// machineCPU is the busy time of all CPUs from /proc/stat (everything but
// idle and iowait).
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i := 1; i < len(f) && i <= 8; i++ {
		if i == 4 || i == 5 { // idle, iowait
			continue
		}
		v, _ := strconv.ParseInt(f[i], 10, 64)
		busy += v
	}
	return time.Duration(busy) * time.Second / 100
}

// deleteAllPods removes the benchmark's pods and waits until they are gone.
func deleteAllPods(ctx context.Context, cs kubernetes.Interface, ns, selector string, timeout time.Duration) error {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return err
	}
	if len(list.Items) == 0 {
		return nil
	}
	if err := parallel(10, len(list.Items), func(i int) error {
		err := cs.CoreV1().Pods(ns).Delete(ctx, list.Items[i].Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		l, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err == nil && len(l.Items) == 0 {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("benchmark pods still present %v after deleting them", timeout)
}

// podSeen is when a watch first saw a pod bound, Running and Ready, gone.
type podSeen struct {
	bound, ready, gone time.Time
	changes            int // Modified events
}

// podTracker watches pods and notes when each reached each state.
type podTracker struct {
	mu     sync.Mutex
	pods   map[string]*podSeen
	notify chan struct{}
	err    error
	cancel context.CancelFunc
	done   chan struct{}
}

func watchPods(ctx context.Context, cs kubernetes.Interface, ns, selector string) (*podTracker, error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	t := &podTracker{pods: map[string]*podSeen{}, notify: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	for i := range list.Items {
		t.observe(watch.Added, &list.Items[i])
	}
	rv := list.ResourceVersion
	w, err := cs.CoreV1().Pods(ns).Watch(wctx, metav1.ListOptions{LabelSelector: selector, ResourceVersion: rv})
	if err != nil {
		cancel()
		return nil, err
	}
	go func() {
		defer close(t.done)
		defer func() { w.Stop() }()
		for {
			select {
			case <-wctx.Done():
				return
			case ev, ok := <-w.ResultChan():
				if !ok {
					// The server ends watches now and then; resume, as informers do.
					w.Stop()
					if w, err = cs.CoreV1().Pods(ns).Watch(wctx, metav1.ListOptions{LabelSelector: selector, ResourceVersion: rv}); err != nil {
						t.fail(err)
						return
					}
					continue
				}
				if ev.Type == watch.Error {
					t.fail(fmt.Errorf("watch: %v", ev.Object))
					return
				}
				p, ok := ev.Object.(*corev1.Pod)
				if !ok {
					continue
				}
				rv = p.ResourceVersion
				t.observe(ev.Type, p)
			}
		}
	}()
	return t, nil
}

func (t *podTracker) observe(typ watch.EventType, p *corev1.Pod) {
	now := time.Now()
	t.mu.Lock()
	s := t.pods[p.Name]
	if s == nil {
		s = &podSeen{}
		t.pods[p.Name] = s
	}
	if typ == watch.Modified {
		s.changes++
	}
	if s.bound.IsZero() && p.Spec.NodeName != "" {
		s.bound = now
	}
	if s.ready.IsZero() && podRunningReady(p) {
		s.ready = now
	}
	if typ == watch.Deleted && s.gone.IsZero() {
		s.gone = now
	}
	t.mu.Unlock()
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

func (t *podTracker) fail(err error) {
	t.mu.Lock()
	t.err = err
	t.mu.Unlock()
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

func (t *podTracker) stop() { t.cancel(); <-t.done }

func (t *podTracker) count(cond func(*podSeen) bool, names []string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, name := range names {
		if s := t.pods[name]; s != nil && cond(s) {
			n++
		}
	}
	return n
}

func (t *podTracker) snapshot() map[string]podSeen {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]podSeen, len(t.pods))
	for k, v := range t.pods {
		out[k] = *v
	}
	return out
}

// wait returns once done() holds, the watch failed, or timeout passed.
func (t *podTracker) wait(ctx context.Context, timeout time.Duration, done func() bool) error {
	deadline := time.After(timeout)
	for {
		t.mu.Lock()
		err := t.err
		t.mu.Unlock()
		if err != nil {
			return err
		}
		if done() {
			return nil
		}
		select {
		case <-t.notify:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			return errors.New("timed out")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// span is one CRI call as containerd logged it.
type span struct{ Start, End time.Time }

// criCalls are the CRI calls containerd logged for one pod (the last of
// each kind).
type criCalls struct {
	Sandbox, Create, Start span
}

func readContainerdLog(path string, offset int64) (map[string]*criCalls, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	return parseContainerdLog(f)
}

var (
	logLineRE     = regexp.MustCompile(`^time="([^"]+)" level=\w+ msg="((?:[^"\\]|\\.)*)"`)
	runSandboxRE  = regexp.MustCompile(`^RunPodSandbox for &PodSandboxMetadata\{Name:([^,]*),Uid:[^,]*,Namespace:([^,]*),`)
	sandboxIDRE   = regexp.MustCompile(` returns sandbox id "([0-9a-f]+)"$`)
	createRE      = regexp.MustCompile(`^CreateContainer within sandbox "([0-9a-f]+)" for `)
	containerIDRE = regexp.MustCompile(` returns container id "([0-9a-f]+)"$`)
	startRE       = regexp.MustCompile(`^StartContainer for "([0-9a-f]+)"( returns successfully)?$`)
)

// parseContainerdLog reads containerd 1.6's CRI log lines (level info)
// and returns, per pod "namespace/name", when its sandbox was run and its
// container created and started.
func parseContainerdLog(r io.Reader) (map[string]*criCalls, error) {
	pods := map[string]*criCalls{}
	bySandbox := map[string]string{}
	byContainer := map[string]string{}
	get := func(key string) *criCalls {
		c := pods[key]
		if c == nil {
			c = &criCalls{}
			pods[key] = c
		}
		return c
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		m := logLineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			continue
		}
		msg, err := strconv.Unquote(`"` + m[2] + `"`)
		if err != nil {
			continue
		}
		if sm := runSandboxRE.FindStringSubmatch(msg); sm != nil {
			key := sm[2] + "/" + sm[1]
			c := get(key)
			if id := sandboxIDRE.FindStringSubmatch(msg); id != nil {
				c.Sandbox.End = at
				bySandbox[id[1]] = key
			} else if !strings.Contains(msg, " returns ") {
				c.Sandbox = span{Start: at}
			}
			continue
		}
		if cm := createRE.FindStringSubmatch(msg); cm != nil {
			key, ok := bySandbox[cm[1]]
			if !ok {
				continue
			}
			c := get(key)
			if id := containerIDRE.FindStringSubmatch(msg); id != nil {
				c.Create.End = at
				byContainer[id[1]] = key
			} else if !strings.Contains(msg, " returns ") {
				c.Create = span{Start: at}
			}
			continue
		}
		if st := startRE.FindStringSubmatch(msg); st != nil {
			key, ok := byContainer[st[1]]
			if !ok {
				continue
			}
			c := get(key)
			if st[2] != "" {
				c.Start.End = at
			} else {
				c.Start = span{Start: at}
			}
		}
	}
	return pods, sc.Err()
}

// startupStages splits each pod's startup into steps, from the bench's
// clock (create call, watch) and containerd's log (CRI calls), and
// returns their percentiles over the pods, plus the most RunPodSandbox
// calls that overlapped.
func startupStages(ns string, names []string, created []time.Time, createCall []time.Duration, seen map[string]podSeen, cri map[string]*criCalls) ([]stage, int) {
	type step struct {
		name string
		d    func(i int, s podSeen, c *criCalls) (time.Duration, bool)
	}
	gap := func(a, b time.Time) (time.Duration, bool) { return b.Sub(a), !a.IsZero() && !b.IsZero() }
	steps := []step{
		{"create call (API)", func(i int, _ podSeen, _ *criCalls) (time.Duration, bool) { return createCall[i], true }},
		{"create -> bound (scheduler)", func(i int, s podSeen, _ *criCalls) (time.Duration, bool) { return gap(created[i], s.bound) }},
		{"bound -> RunPodSandbox", func(_ int, s podSeen, c *criCalls) (time.Duration, bool) { return gap(s.bound, c.Sandbox.Start) }},
		{"RunPodSandbox", func(_ int, _ podSeen, c *criCalls) (time.Duration, bool) { return gap(c.Sandbox.Start, c.Sandbox.End) }},
		{"sandbox -> CreateContainer", func(_ int, _ podSeen, c *criCalls) (time.Duration, bool) { return gap(c.Sandbox.End, c.Create.Start) }},
		{"CreateContainer", func(_ int, _ podSeen, c *criCalls) (time.Duration, bool) { return gap(c.Create.Start, c.Create.End) }},
		{"created -> StartContainer", func(_ int, _ podSeen, c *criCalls) (time.Duration, bool) { return gap(c.Create.End, c.Start.Start) }},
		{"StartContainer", func(_ int, _ podSeen, c *criCalls) (time.Duration, bool) { return gap(c.Start.Start, c.Start.End) }},
		{"started -> Ready seen (status)", func(_ int, s podSeen, c *criCalls) (time.Duration, bool) { return gap(c.Start.End, s.ready) }},
	}
	var out []stage
	for _, st := range steps {
		var ds []time.Duration
		for i, n := range names {
			c := cri[ns+"/"+n]
			if c == nil {
				c = &criCalls{}
			}
			if d, ok := st.d(i, seen[n], c); ok {
				ds = append(ds, d)
			}
		}
		out = append(out, stage{Name: st.name, N: len(ds),
			P50: percentile(ds, 50), P90: percentile(ds, 90), P99: percentile(ds, 99), Max: percentile(ds, 100)})
	}
	var spans []span
	for _, n := range names {
		if c := cri[ns+"/"+n]; c != nil && !c.Sandbox.Start.IsZero() && !c.Sandbox.End.IsZero() {
			spans = append(spans, c.Sandbox)
		}
	}
	return out, maxOverlap(spans)
}

// maxOverlap is the most spans in progress at one instant.
func maxOverlap(spans []span) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, s := range spans {
		edges = append(edges, edge{s.Start, 1}, edge{s.End, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at.Equal(edges[j].at) {
			return edges[i].delta < edges[j].delta // an end before a start at the same instant
		}
		return edges[i].at.Before(edges[j].at)
	})
	cur, best := 0, 0
	for _, e := range edges {
		cur += e.delta
		best = max(best, cur)
	}
	return best
}
