package bench

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// ControllersOptions size the controller benchmark.
type ControllersOptions struct {
	Binary   string
	Nodes    int // virtual nodes
	Replicas int // of the one Deployment
	Timeout  time.Duration
	Keep     bool
	// ProfileDir, when set, receives the server's CPU profile of the
	// creation phase (server-create.cpu.pprof), its heap profile once
	// every replica is available (server-created.heap.pprof) and after the
	// rollout (server-rolled.heap.pprof), and the
	// agent's CPU and heap profiles of the whole run (agent.cpu.pprof,
	// agent.heap.pprof).
	ProfileDir string
	// ServerArgs are extra flags for `orca server` (e.g. --memory-limit).
	ServerArgs []string
	// Idle: how long the cluster stays idle after the rollout before the
	// server's memory is read again (the Go runtime returns freed memory
	// to the system gradually).
	Idle     time.Duration
	Progress io.Writer
}

// ControllersReport holds the results.
type ControllersReport struct {
	Nodes, Replicas int
	Idle            time.Duration
	// Create: Deployment create call to every replica available, as its
	// status says; FirstPod: to the first pod created.
	Create, FirstPod time.Duration
	// Rollout: template change to the rollout complete (what `kubectl
	// rollout status` waits for: all updated, none old, all available).
	Rollout time.Duration
	// CPU time of the server and the agent during the creation and the
	// rollout.
	CreateCPU, RolloutCPU cpuTimes
	Server                procStatus // after the rollout
	ServerIdle            procStatus // after Idle more
	// ServerIdleMean and ServerIdleMax: over the second half of Idle,
	// read every second (an idle heap still cycles, so one reading may
	// fall anywhere between a collection and the next).
	ServerIdleMean, ServerIdleMax procStatus
	Agent                         procStatus
	CreateReqs                    []requestRate
	RolloutReqs                   []requestRate
	Dir                           string
}

func (r ControllersReport) Print(w io.Writer) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	fmt.Fprintf(w, "one Deployment of %d replicas (pause image, maxSurge 25%%, maxUnavailable 25%%) on %d virtual nodes\n", r.Replicas, r.Nodes)
	fmt.Fprintf(w, "  create -> first pod:            %v\n", ms(r.FirstPod))
	fmt.Fprintf(w, "  create -> all available:        %v (%.0f pods/s)\n", ms(r.Create), float64(r.Replicas)/r.Create.Seconds())
	printReqs(w, r.CreateReqs, r.Replicas)
	r.CreateCPU.print(w, r.Create, r.Replicas, r.CreateReqs)
	if r.Rollout > 0 {
		fmt.Fprintf(w, "  rolling update -> complete:     %v (%.0f pods replaced/s)\n", ms(r.Rollout), float64(r.Replicas)/r.Rollout.Seconds())
		printReqs(w, r.RolloutReqs, r.Replicas)
		r.RolloutCPU.print(w, r.Rollout, r.Replicas, r.RolloutReqs)
	}
	fmt.Fprintf(w, "  server RSS after:               %.1f MiB (anonymous %.1f, peak %.1f)\n", mib(r.Server.VmRSS), mib(r.Server.RssAnon), mib(r.Server.VmHWM))
	if r.ServerIdle.VmRSS > 0 {
		fmt.Fprintf(w, "  server RSS after %-14s %.1f MiB (anonymous %.1f)\n", r.Idle.String()+" idle:", mib(r.ServerIdle.VmRSS), mib(r.ServerIdle.RssAnon))
		fmt.Fprintf(w, "    over its second half:         mean %.1f MiB, max %.1f (anonymous mean %.1f, max %.1f)\n",
			mib(r.ServerIdleMean.VmRSS), mib(r.ServerIdleMax.VmRSS), mib(r.ServerIdleMean.RssAnon), mib(r.ServerIdleMax.RssAnon))
	}
	fmt.Fprintf(w, "  agent RSS after:                %.1f MiB (anonymous %.1f)\n", mib(r.Agent.VmRSS), mib(r.Agent.RssAnon))
	if r.Dir != "" {
		fmt.Fprintf(w, "logs kept in %s\n", r.Dir)
	}
}

func printReqs(w io.Writer, reqs []requestRate, pods int) {
	fmt.Fprintf(w, "    requests per pod meanwhile:")
	for _, q := range reqs {
		if q.Count < float64(pods)/20 {
			continue // heartbeats and the like
		}
		res := q.Resource
		if q.Subresource != "" {
			res += "/" + q.Subresource
		}
		fmt.Fprintf(w, " %s %s %.2f", q.Verb, res, q.Count/float64(pods))
		if q.Errors > 0 {
			fmt.Fprintf(w, " (%.2f failed)", q.Errors/float64(pods))
		}
		fmt.Fprint(w, ";")
	}
	fmt.Fprintln(w)
}

// Controllers runs a server (with its scheduler and controllers) and
// `orca agent --simulate N`, then times a Deployment's creation and a
// rolling update of it.
func Controllers(ctx context.Context, o ControllersOptions) (rep *ControllersReport, err error) {
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	tmp, err := os.MkdirTemp("", "orca-bench-controllers")
	if err != nil {
		return nil, err
	}
	rep = &ControllersReport{Nodes: o.Nodes, Replicas: o.Replicas, Idle: o.Idle}
	if o.Keep {
		rep.Dir = tmp
	} else {
		defer os.RemoveAll(tmp)
	}
	var agentArgs []string
	if o.ProfileDir != "" {
		if err := os.MkdirAll(o.ProfileDir, 0o755); err != nil {
			return rep, err
		}
		agentArgs = []string{"--cpu-profile", filepath.Join(o.ProfileDir, "agent.cpu.pprof"), "--heap-profile", filepath.Join(o.ProfileDir, "agent.heap.pprof")}
	}
	c, err := startSimCluster(ctx, o.Binary, tmp, o.Nodes, progress, o.ServerArgs, agentArgs)
	if err != nil {
		return rep, err
	}
	defer c.stop()
	srv, agent, cs := c.srv, c.agent, c.cs

	progress("creating a Deployment of %d replicas", o.Replicas)
	m0, err := scrapeRequests(ctx, cs)
	if err != nil {
		return rep, err
	}
	firstPod := make(chan time.Time, 1)
	go watchFirstPod(ctx, cs, firstPod)
	cpu0 := readCPU(srv.cmd.Process.Pid, agent.cmd.Process.Pid)
	if o.ProfileDir != "" {
		go saveProfile(ctx, cs, "/debug/pprof/profile?seconds=30", filepath.Join(o.ProfileDir, "server-create.cpu.pprof"), progress)
	}
	start := time.Now()
	d, err := cs.AppsV1().Deployments("default").Create(ctx, benchDeployment(o.Replicas), metav1.CreateOptions{})
	if err != nil {
		return rep, err
	}
	if err := waitRolledOut(ctx, cs, d.Name, o.Timeout, progress); err != nil {
		return rep, fmt.Errorf("create: %w", err)
	}
	rep.Create = time.Since(start)
	cpu1 := readCPU(srv.cmd.Process.Pid, agent.cmd.Process.Pid)
	rep.CreateCPU = cpu1.sub(cpu0)
	if o.ProfileDir != "" {
		saveProfile(ctx, cs, "/debug/pprof/heap?gc=1", filepath.Join(o.ProfileDir, "server-created.heap.pprof"), progress)
	}
	select {
	case t := <-firstPod:
		rep.FirstPod = t.Sub(start)
	default:
	}
	m1, err := scrapeRequests(ctx, cs)
	if err != nil {
		return rep, err
	}
	rep.CreateReqs = requestRates(m0, m1)

	progress("rolling update")
	start = time.Now()
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"orca.dev/bench-rollout":%q}}}}}`, start.Format(time.RFC3339Nano))
	if _, err := cs.AppsV1().Deployments("default").Patch(ctx, d.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return rep, err
	}
	if err := waitRolledOut(ctx, cs, d.Name, o.Timeout, progress); err != nil {
		return rep, fmt.Errorf("rollout: %w", err)
	}
	rep.Rollout = time.Since(start)
	rep.RolloutCPU = readCPU(srv.cmd.Process.Pid, agent.cmd.Process.Pid).sub(cpu1)
	m2, err := scrapeRequests(ctx, cs)
	if err != nil {
		return rep, err
	}
	rep.RolloutReqs = requestRates(m1, m2)
	if rep.Server, err = readProcStatus(srv.cmd.Process.Pid); err != nil {
		return rep, err
	}
	if rep.Agent, err = readProcStatus(agent.cmd.Process.Pid); err != nil {
		return rep, err
	}
	if o.Idle > 0 {
		progress("idle for %v", o.Idle)
		var samples memSamples
		end := time.After(o.Idle)
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(o.Idle / 2):
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
	idle:
		for {
			select {
			case <-ctx.Done():
				return rep, ctx.Err()
			case <-tick.C:
				st, err := readProcStatus(srv.cmd.Process.Pid)
				if err != nil {
					return rep, err
				}
				samples.add(st)
			case <-end:
				break idle
			}
		}
		if rep.ServerIdle, err = readProcStatus(srv.cmd.Process.Pid); err != nil {
			return rep, err
		}
		samples.add(rep.ServerIdle)
		rep.ServerIdleMean, rep.ServerIdleMax = samples.mean(), samples.max
	}
	if o.ProfileDir != "" {
		// The Go runtime's own account of the memory (heap, stacks,
		// released pages) behind the RSS just read.
		saveProfile(ctx, cs, "/metrics", filepath.Join(o.ProfileDir, "server-end.metrics.txt"), progress)
		// Last: its forced collection would make the idle reading lower.
		saveProfile(ctx, cs, "/debug/pprof/heap?gc=1", filepath.Join(o.ProfileDir, "server-rolled.heap.pprof"), progress)
	}
	return rep, nil
}

func benchDeployment(replicas int) *appsv1.Deployment {
	labels := map[string]string{"app": "orca-bench"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "orca-bench"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:                    []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}},
					TerminationGracePeriodSeconds: ptr.To(int64(0)),
				},
			},
		},
	}
}

// watchFirstPod sends the time the first pod of the Deployment appears.
func watchFirstPod(ctx context.Context, cs kubernetes.Interface, out chan<- time.Time) {
	w, err := cs.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{LabelSelector: "app=orca-bench"})
	if err != nil {
		return
	}
	defer w.Stop()
	for range w.ResultChan() {
		out <- time.Now()
		return
	}
}

// waitRolledOut watches the Deployment until its rollout is complete, as
// `kubectl rollout status` decides it.
func waitRolledOut(ctx context.Context, cs kubernetes.Interface, name string, timeout time.Duration, progress func(string, ...any)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := time.Now()
	for {
		w, err := cs.AppsV1().Deployments("default").Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()})
		if err != nil {
			return err
		}
		for ev := range w.ResultChan() {
			d, ok := ev.Object.(*appsv1.Deployment)
			if !ok {
				break
			}
			if rolledOut(d) {
				w.Stop()
				return nil
			}
			if time.Since(last) > 5*time.Second {
				progress("  replicas %d, updated %d, available %d", d.Status.Replicas, d.Status.UpdatedReplicas, d.Status.AvailableReplicas)
				last = time.Now()
			}
		}
		w.Stop()
		if ctx.Err() != nil {
			return fmt.Errorf("not rolled out after %v", timeout)
		}
	}
}

func rolledOut(d *appsv1.Deployment) bool {
	want := *d.Spec.Replicas
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.Replicas == want && s.AvailableReplicas == want
}

// cpuTimes is the CPU time (user + system) the server and the agent used.
type cpuTimes struct{ Server, Agent time.Duration }

func readCPU(server, agent int) cpuTimes {
	s, _, _ := procCPUAndRSS(server)
	a, _, _ := procCPUAndRSS(agent)
	return cpuTimes{Server: s, Agent: a}
}

func (c cpuTimes) sub(o cpuTimes) cpuTimes {
	return cpuTimes{Server: c.Server - o.Server, Agent: c.Agent - o.Agent}
}

// print also gives the server's CPU per write request: how many writes a
// pod costs varies between runs (event recorders drop events when their
// queue is full, more of them on a slower server), so comparing two
// servers per pod alone is not fair.
func (c cpuTimes) print(w io.Writer, wall time.Duration, pods int, reqs []requestRate) {
	per := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(pods) }
	fmt.Fprintf(w, "    CPU meanwhile: server %.1f s (%.2f cores, %.2f ms/pod), agent %.1f s (%.2f cores, %.2f ms/pod)\n",
		c.Server.Seconds(), c.Server.Seconds()/wall.Seconds(), per(c.Server),
		c.Agent.Seconds(), c.Agent.Seconds()/wall.Seconds(), per(c.Agent))
	if n := writes(reqs); n > 0 {
		fmt.Fprintf(w, "    server CPU per write request: %.0f µs (%.0f writes, %.2f per pod)\n",
			float64(c.Server)/float64(time.Microsecond)/n, n, n/float64(pods))
	}
}

// writes counts the requests that change something.
func writes(reqs []requestRate) float64 {
	n := 0.0
	for _, q := range reqs {
		switch strings.ToLower(q.Verb) {
		case "create", "update", "patch", "apply", "delete", "deletecollection":
			n += q.Count
		}
	}
	return n
}

// saveProfile fetches a pprof profile from the server into file.
func saveProfile(ctx context.Context, cs kubernetes.Interface, path, file string, progress func(string, ...any)) {
	u, _ := url.Parse(path)
	req := cs.CoreV1().RESTClient().Get().AbsPath(u.Path)
	for k, v := range u.Query() {
		req = req.Param(k, v[0])
	}
	data, err := req.DoRaw(ctx)
	if err == nil {
		err = os.WriteFile(file, data, 0o644)
	}
	if err != nil {
		progress("profile %s: %v", path, err)
		return
	}
	progress("profile saved: %s", file)
}

// memSamples accumulates memory readings.
type memSamples struct {
	n        int64
	sum, max procStatus
}

func (m *memSamples) add(p procStatus) {
	m.n++
	m.sum.VmRSS += p.VmRSS
	m.sum.RssAnon += p.RssAnon
	m.max.VmRSS = max(m.max.VmRSS, p.VmRSS)
	m.max.RssAnon = max(m.max.RssAnon, p.RssAnon)
}

func (m *memSamples) mean() procStatus {
	if m.n == 0 {
		return procStatus{}
	}
	return procStatus{VmRSS: m.sum.VmRSS / m.n, RssAnon: m.sum.RssAnon / m.n}
}
