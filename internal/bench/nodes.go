package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// NodesOptions size the virtual node benchmark.
type NodesOptions struct {
	Binary   string
	Nodes    int
	Window   time.Duration // the steady-state measurement
	Settle   time.Duration // all nodes Ready to the window's start
	Pods     int           // optional: pods to spread over the nodes afterwards
	Keep     bool
	Progress io.Writer
}

// NodesReport holds the results.
type NodesReport struct {
	Nodes          int
	AllReady       time.Duration // agent process start to every node Ready
	Window         time.Duration
	Agent, Server  procSample
	Requests       []requestRate // by verb and resource over the window
	Pods           int
	PodsRunning    time.Duration // first create to last pod Running and Ready
	PodLatency     []time.Duration
	PodNodes       int // distinct nodes the pods landed on
	AgentAfterPods procStatus
	PodRequests    []requestRate // requests from the first create to the last pod Running
	Dir            string
}

// procSample is a process's memory at the end of the window and the CPU
// it used during it.
type procSample struct {
	Status procStatus
	CPU    time.Duration
}

// procStatus is the memory part of /proc/PID/status, in bytes.
type procStatus struct {
	VmRSS, RssAnon, RssFile, VmHWM int64
}

// requestRate is how many requests of one kind the server answered.
type requestRate struct {
	Verb, Resource, Subresource string
	Count, Errors               float64 // Errors: codes >= 400
}

func (r NodesReport) Print(w io.Writer) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	secs := r.Window.Seconds()
	fmt.Fprintf(w, "virtual nodes:                    %d in one `orca agent --simulate %d`\n", r.Nodes, r.Nodes)
	fmt.Fprintf(w, "  agent start -> all nodes Ready: %v\n", ms(r.AllReady))
	fmt.Fprintf(w, "steady state over %v:\n", r.Window)
	for _, p := range []struct {
		name string
		s    procSample
	}{{"agent", r.Agent}, {"server", r.Server}} {
		fmt.Fprintf(w, "  %-6s RSS %.1f MiB (anonymous %.1f, file %.1f; peak %.1f), CPU %.3f cores (%v)\n", p.name,
			mib(p.s.Status.VmRSS), mib(p.s.Status.RssAnon), mib(p.s.Status.RssFile), mib(p.s.Status.VmHWM),
			p.s.CPU.Seconds()/secs, ms(p.s.CPU))
	}
	var total, errs float64
	for _, q := range r.Requests {
		total += q.Count
		errs += q.Errors
	}
	fmt.Fprintf(w, "  requests on the server:         %.1f/s (%.0f in the window, %.0f with code >= 400)\n", total/secs, total, errs)
	for _, q := range r.Requests {
		res := q.Resource
		if q.Subresource != "" {
			res += "/" + q.Subresource
		}
		e := ""
		if q.Errors > 0 {
			e = fmt.Sprintf("  (%.0f errors)", q.Errors)
		}
		fmt.Fprintf(w, "    %-14s %-22s %8.2f/s  per node every %s%s\n", q.Verb, res, q.Count/secs, perNode(q.Count, secs, r.Nodes), e)
	}
	fmt.Fprintf(w, "  (nodes started together heartbeat and write status in phase: a window shorter than two status\n")
	fmt.Fprintf(w, "   periods catches zero or one round of status writes; use --window 150s for their steady rate)\n")
	if r.Pods > 0 {
		fmt.Fprintf(w, "pods: %d created (20 creators), spread by the scheduler over %d nodes\n", r.Pods, r.PodNodes)
		fmt.Fprintf(w, "  first create -> last Running:   %v (%.0f pods/s)\n", ms(r.PodsRunning), float64(r.Pods)/r.PodsRunning.Seconds())
		fmt.Fprintf(w, "  create -> Running & Ready:      p50 %v  p99 %v  max %v\n", ms(percentile(r.PodLatency, 50)), ms(percentile(r.PodLatency, 99)), ms(percentile(r.PodLatency, 100)))
		fmt.Fprintf(w, "  agent RSS after:                %.1f MiB (anonymous %.1f)\n", mib(r.AgentAfterPods.VmRSS), mib(r.AgentAfterPods.RssAnon))
		fmt.Fprintf(w, "  requests meanwhile, per pod:\n")
		for _, q := range r.PodRequests {
			if q.Count < float64(r.Pods)/100 {
				continue // the heartbeats, mostly
			}
			res := q.Resource
			if q.Subresource != "" {
				res += "/" + q.Subresource
			}
			fmt.Fprintf(w, "    %-14s %-22s %6.2f  (%.0f, %.0f errors)\n", q.Verb, res, q.Count/float64(r.Pods), q.Count, q.Errors)
		}
	}
	if r.Dir != "" {
		fmt.Fprintf(w, "logs kept in %s\n", r.Dir)
	}
}

// perNode renders the interval at which each node makes such a request.
func perNode(count, secs float64, nodes int) string {
	if count == 0 || nodes == 0 {
		return "-"
	}
	return (time.Duration(secs*float64(nodes)/count*1000) * time.Millisecond).Round(100 * time.Millisecond).String()
}

// Nodes runs a server and `orca agent --simulate N` as child processes and
// measures what N idle virtual nodes cost.
func Nodes(ctx context.Context, o NodesOptions) (rep *NodesReport, err error) {
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	tmp, err := os.MkdirTemp("", "orca-bench-nodes")
	if err != nil {
		return nil, err
	}
	rep = &NodesReport{Nodes: o.Nodes, Window: o.Window, Pods: o.Pods}
	if o.Keep {
		rep.Dir = tmp
	} else {
		defer os.RemoveAll(tmp)
	}
	c, err := startSimCluster(ctx, o.Binary, tmp, o.Nodes, progress, nil, nil)
	if err != nil {
		return rep, err
	}
	defer c.stop()
	srv, agent, cs := c.srv, c.agent, c.cs
	rep.AllReady = c.allReady
	progress("all %d nodes Ready after %v; settling %v, then measuring %v", o.Nodes, ms(rep.AllReady), o.Settle, o.Window)
	time.Sleep(o.Settle)

	pids := []int{agent.cmd.Process.Pid, srv.cmd.Process.Pid}
	var cpu0 [2]time.Duration
	for i, pid := range pids {
		if cpu0[i], _, err = procCPUAndRSS(pid); err != nil {
			return rep, err
		}
	}
	m0, err := scrapeRequests(ctx, cs)
	if err != nil {
		return rep, err
	}
	select {
	case <-time.After(o.Window):
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	m1, err := scrapeRequests(ctx, cs)
	if err != nil {
		return rep, err
	}
	samples := []*procSample{&rep.Agent, &rep.Server}
	for i, pid := range pids {
		cpu, _, err := procCPUAndRSS(pid)
		if err != nil {
			return rep, err
		}
		samples[i].CPU = cpu - cpu0[i]
		if samples[i].Status, err = readProcStatus(pid); err != nil {
			return rep, err
		}
	}
	rep.Requests = requestRates(m0, m1)

	if o.Pods > 0 {
		progress("creating %d pods", o.Pods)
		p0, err := scrapeRequests(ctx, cs)
		if err != nil {
			return rep, err
		}
		if err := simPods(ctx, cs, o.Pods, rep); err != nil {
			return rep, err
		}
		p1, err := scrapeRequests(ctx, cs)
		if err != nil {
			return rep, err
		}
		rep.PodRequests = requestRates(p0, p1)
		if rep.AgentAfterPods, err = readProcStatus(agent.cmd.Process.Pid); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// simCluster is a server and `orca agent --simulate N` as child
// processes, and a client of the server.
type simCluster struct {
	srv, agent *serverProcess
	cs         kubernetes.Interface
	allReady   time.Duration // agent start to every virtual node Ready
}

// startSimCluster starts a simCluster in dir and waits for its nodes to be
// Ready; on error it stops what it started.
func startSimCluster(ctx context.Context, bin, dir string, nodes int, progress func(string, ...any), serverArgs, agentArgs []string) (*simCluster, error) {
	c := &simCluster{}
	started := false
	defer func() {
		if !started {
			c.stop()
		}
	}()
	var err error
	// Every node gets a /24 pod CIDR: a /9 has 32768 of them, and stays
	// clear of the default service range 10.96.0.0/12.
	if c.srv, c.cs, err = startReadyServer(ctx, bin, filepath.Join(dir, "server"), append([]string{"--cluster-cidr", "10.128.0.0/9", "--node-cidr-mask-size", "24"}, serverArgs...)...); err != nil {
		return nil, err
	}
	if c.agent, err = startAgent(bin, filepath.Join(dir, "agent"), c.srv.kubeconfig(), append([]string{"--simulate", strconv.Itoa(nodes)}, agentArgs...)...); err != nil {
		return nil, err
	}
	progress("waiting for %d virtual nodes to be Ready", nodes)
	if c.allReady, err = waitNodesReady(ctx, c.cs, "orca.dev/virtual=true", nodes, c.agent.started, 10*time.Minute, progress); err != nil {
		return nil, err
	}
	started = true
	return c, nil
}

func (c *simCluster) stop() {
	if c.agent != nil {
		stopAgent(c.agent, filepath.Join(c.agent.dataDir, "agent"))
	}
	if c.srv != nil {
		c.srv.stop()
	}
}

// waitNodesReady lists and watches nodes until n of them are Ready.
func waitNodesReady(ctx context.Context, cs kubernetes.Interface, selector string, n int, since time.Time, timeout time.Duration, progress func(string, ...any)) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ready := map[string]bool{}
	count := func() int {
		c := 0
		for _, r := range ready {
			if r {
				c++
			}
		}
		return c
	}
	lastReport := time.Now()
	for {
		list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return 0, fmt.Errorf("%d of %d nodes Ready: %w", count(), n, err)
		}
		clear(ready)
		for i := range list.Items {
			ready[list.Items[i].Name] = nodeReady(&list.Items[i])
		}
		if count() >= n {
			return time.Since(since), nil
		}
		w, err := cs.CoreV1().Nodes().Watch(ctx, metav1.ListOptions{LabelSelector: selector, ResourceVersion: list.ResourceVersion})
		if err != nil {
			return 0, fmt.Errorf("%d of %d nodes Ready: %w", count(), n, err)
		}
		for ev := range w.ResultChan() {
			node, ok := ev.Object.(*corev1.Node)
			if !ok {
				break // an error event: list again
			}
			switch ev.Type {
			case watch.Deleted:
				delete(ready, node.Name)
			default:
				ready[node.Name] = nodeReady(node)
			}
			if count() >= n {
				w.Stop()
				return time.Since(since), nil
			}
			if time.Since(lastReport) > 10*time.Second {
				progress("  %d of %d nodes Ready", count(), n)
				lastReport = time.Now()
			}
		}
		w.Stop()
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%d of %d nodes Ready after %v", count(), n, timeout)
		}
	}
}

// simPods creates pods for the virtual nodes and waits for all Running.
func simPods(ctx context.Context, cs kubernetes.Interface, n int, rep *NodesReport) error {
	const ns, selector = "default", "orca-bench=sim-pods"
	tr, err := watchPods(ctx, cs, ns, selector)
	if err != nil {
		return err
	}
	defer tr.stop()
	names := make([]string, n)
	created := make([]time.Time, n)
	for i := range names {
		names[i] = fmt.Sprintf("sim-pod-%06d", i)
	}
	if err := parallel(20, n, func(i int) error {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: names[i], Labels: map[string]string{"orca-bench": "sim-pods"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}},
		}
		created[i] = time.Now()
		_, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
		return err
	}); err != nil {
		return fmt.Errorf("create pods: %w", err)
	}
	isReady := func(s *podSeen) bool { return !s.ready.IsZero() }
	if err := tr.wait(ctx, 10*time.Minute, func() bool { return tr.count(isReady, names) == n }); err != nil {
		return fmt.Errorf("%d of %d pods Running and Ready: %w", tr.count(isReady, names), n, err)
	}
	seen := tr.snapshot()
	first, last := created[0], time.Time{}
	for i, name := range names {
		if created[i].Before(first) {
			first = created[i]
		}
		s := seen[name]
		if s.ready.After(last) {
			last = s.ready
		}
		rep.PodLatency = append(rep.PodLatency, s.ready.Sub(created[i]))
	}
	rep.PodsRunning = last.Sub(first)
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return err
	}
	nodes := map[string]bool{}
	for _, p := range list.Items {
		nodes[p.Spec.NodeName] = true
	}
	rep.PodNodes = len(nodes)
	return nil
}

// scrapeRequests reads the server's request counter from /metrics.
func scrapeRequests(ctx context.Context, cs kubernetes.Interface) ([]sample, error) {
	body, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("read /metrics: %w", err)
	}
	return parseCounter(bytes.NewReader(body), "apiserver_request_total")
}

// sample is one series of a Prometheus metric.
type sample struct {
	Labels map[string]string
	Value  float64
}

// parseCounter returns the series of the metric called name from
// Prometheus text exposition format.
func parseCounter(r io.Reader, name string) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		s := sample{Labels: map[string]string{}}
		switch {
		case strings.HasPrefix(rest, "{"):
			n, err := parseLabels(rest, s.Labels)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", line, err)
			}
			rest = rest[n:]
		case strings.HasPrefix(rest, " "):
		default:
			continue // another metric whose name starts with this one
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return nil, fmt.Errorf("%q: no value", line)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		s.Value = v
		out = append(out, s)
	}
	return out, sc.Err()
}

// parseLabels reads `{k="v",...}` at the start of s into into and returns
// how many bytes it took.
func parseLabels(s string, into map[string]string) (int, error) {
	i := 1 // past '{'
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			return 0, fmt.Errorf("unterminated labels")
		}
		if s[i] == '}' {
			return i + 1, nil
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return 0, fmt.Errorf("bad label at %d", i)
		}
		key := strings.TrimSpace(s[i : i+eq])
		i += eq + 2
		var v strings.Builder
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					v.WriteByte('\n')
				default:
					v.WriteByte(s[i])
				}
				continue
			}
			v.WriteByte(s[i])
		}
		if i >= len(s) {
			return 0, fmt.Errorf("unterminated label value")
		}
		into[key] = v.String()
		i++ // past the closing quote
	}
}

// requestRates subtracts two scrapes of apiserver_request_total and sums
// by verb, resource and subresource; most frequent first.
func requestRates(before, after []sample) []requestRate {
	key := func(s sample) string {
		return s.Labels["verb"] + "\x00" + s.Labels["resource"] + "\x00" + s.Labels["subresource"] + "\x00" + s.Labels["code"]
	}
	prev := map[string]float64{}
	for _, s := range before {
		prev[key(s)] += s.Value
	}
	byKind := map[string]*requestRate{}
	for _, s := range after {
		d := s.Value - prev[key(s)]
		if d <= 0 {
			continue
		}
		k := s.Labels["verb"] + "\x00" + s.Labels["resource"] + "\x00" + s.Labels["subresource"]
		r := byKind[k]
		if r == nil {
			r = &requestRate{Verb: s.Labels["verb"], Resource: s.Labels["resource"], Subresource: s.Labels["subresource"]}
			byKind[k] = r
		}
		r.Count += d
		if code, _ := strconv.Atoi(s.Labels["code"]); code >= 400 {
			r.Errors += d
		}
	}
	out := make([]requestRate, 0, len(byKind))
	for _, r := range byKind {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Verb+out[i].Resource+out[i].Subresource < out[j].Verb+out[j].Resource+out[j].Subresource
	})
	return out
}

func readProcStatus(pid int) (procStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procStatus{}, err
	}
	return parseProcStatus(string(b)), nil
}

// parseProcStatus picks the memory lines ("VmRSS:   1234 kB") of /proc/PID/status.
func parseProcStatus(text string) procStatus {
	var p procStatus
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			p.VmRSS = kb << 10
		case "RssAnon:":
			p.RssAnon = kb << 10
		case "RssFile:":
			p.RssFile = kb << 10
		case "VmHWM:":
			p.VmHWM = kb << 10
		}
	}
	return p
}
