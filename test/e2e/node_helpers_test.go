package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/agent/containerd"
	"orca/internal/kubelet/cri"
	"orca/test/images"
)

// nodeUp is one `orca up` child process (server, scheduler, controllers
// and a real node on a private containerd) shared by the node tests.
type nodeUp struct {
	DataDir     string // --data-dir
	AgentDir    string // <data-dir>/agent: containerd, pod volumes, logs
	Port        int    // --secure-port
	KubeletPort int    // --kubelet-port
	LogPath     string // orca's own output, all runs appended
	// IngressHTTPPort and IngressHTTPSPort are the ingress's ports on the node.
	IngressHTTPPort, IngressHTTPSPort int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    *os.File

	Node string // the node's name once registered
	CS   *kubernetes.Clientset
	K    *kubectlClient

	nsMu       sync.Mutex
	namespaces []string // created by the tests, deleted at the end
}

// nodePrereqs fails (CI) or skips loudly when the host cannot run real pods.
func nodePrereqs(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		requirePrereq(t, "the node tests run real containers and need root (euid is %d)", os.Geteuid())
	}
	for _, bin := range []string{"containerd", "runc", "containerd-shim-runc-v2"} {
		if _, err := exec.LookPath(bin); err != nil {
			requirePrereq(t, "%s is not on PATH (apt-get install containerd runc)", bin)
		}
	}
	if _, err := os.Stat("/usr/lib/cni/bridge"); err != nil {
		if _, err2 := os.Stat("/opt/cni/bin/bridge"); err2 != nil {
			requirePrereq(t, "CNI plugins are not installed in /usr/lib/cni or /opt/cni/bin (apt-get install containernetworking-plugins)")
		}
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		requirePrereq(t, "/bin/busybox is missing (apt-get install busybox-static)")
	}
}

// startNodeUp starts `orca up` on a fresh data dir, waits for its node to be
// Ready with a pod CIDR, and imports the test images.
func startNodeUp(t *testing.T, dir string) *nodeUp {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	kport, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	n := &nodeUp{
		DataDir: filepath.Join(dir, "data"), Port: port, KubeletPort: kport,
		LogPath: filepath.Join(dir, "orca-up.log"),
	}
	if n.IngressHTTPPort, err = freePort(); err != nil {
		t.Fatal(err)
	}
	if n.IngressHTTPSPort, err = freePort(); err != nil {
		t.Fatal(err)
	}
	n.AgentDir = filepath.Join(n.DataDir, "agent")
	if err := n.Start(); err != nil {
		n.Kill()
		t.Fatalf("%v\n--- orca up log (tail) ---\n%s", err, n.LogTail(60))
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(n.DataDir, "admin.kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = -1, -1
	cfg.Timeout = 20 * time.Second
	n.CS = kubernetes.NewForConfigOrDie(cfg)
	home := filepath.Join(dir, "kubectl-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	n.K = &kubectlClient{name: "node", bin: orcaBin, prefix: []string{"kubectl"}, dir: home,
		env: map[string]string{"KUBECONFIG": filepath.Join(n.DataDir, "admin.kubeconfig"), "HOME": home}}
	if err := n.waitNodeReady(t, 60*time.Second); err != nil {
		n.Kill()
		t.Fatalf("%v\n--- orca up log (tail) ---\n%s", err, n.LogTail(60))
	}
	return n
}

// Start launches `orca up` (again, on the same data dir and ports) and
// waits for the API server to answer.
func (n *nodeUp) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := os.MkdirAll(n.DataDir, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(n.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== start %s\n", time.Now().Format(time.RFC3339Nano))
	args := []string{"up", "--data-dir", n.DataDir, "--secure-port", strconv.Itoa(n.Port),
		"--kubelet-port", strconv.Itoa(n.KubeletPort), "--bind-address", "127.0.0.1",
		"--ingress-http-port", strconv.Itoa(n.IngressHTTPPort), "--ingress-https-port", strconv.Itoa(n.IngressHTTPSPort)}
	cmd := exec.Command(orcaBin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = envWith(map[string]string{"KUBECONFIG": ""})
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	n.cmd, n.log, n.exited = cmd, logf, make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) {
		c.Wait() //nolint:errcheck // reported through the log
		close(done)
	}(cmd, n.exited)
	url := fmt.Sprintf("https://127.0.0.1:%d/readyz", n.Port)
	if err := waitReady(url, 60*time.Second, n.exited); err != nil {
		return fmt.Errorf("orca up %v: %v", args, err)
	}
	return nil
}

// PID is the running orca up's process id (0 when it is not running).
func (n *nodeUp) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.isExited() {
		return 0
	}
	return n.cmd.Process.Pid
}

func (n *nodeUp) isExited() bool {
	select {
	case <-n.exited:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to orca up (by PID) and waits for it; SIGKILL after
// 30 s counts as a failure.
func (n *nodeUp) Stop() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.isExited() {
		return nil
	}
	defer n.log.Close()
	pid := n.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-n.exited:
		return nil
	case <-time.After(30 * time.Second):
		syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck
		<-n.exited
		return fmt.Errorf("orca up (pid %d) ignored SIGTERM for 30s; killed", pid)
	}
}

// Kill SIGKILLs orca up (by PID) if it runs.
func (n *nodeUp) Kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.isExited() {
		return
	}
	syscall.Kill(n.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck
	<-n.exited
	n.log.Close()
}

// LogTail is the last lines of orca up's output.
func (n *nodeUp) LogTail(lines int) string {
	return fileTail(n.LogPath, lines)
}

// ContainerdLogTail is the last lines of the agent's containerd log.
func (n *nodeUp) ContainerdLogTail(lines int) string {
	return fileTail(filepath.Join(n.AgentDir, "containerd", "containerd.log"), lines)
}

func fileTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitNodeReady waits for the node to register and be Ready with a pod
// CIDR. The node IPAM controller assigns the CIDR; if it has not after a
// few seconds the test patches one in (and says so loudly).
func (n *nodeUp) waitNodeReady(t *testing.T, timeout time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	patched := false
	var last string
	for {
		nodes, err := n.CS.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		switch {
		case err != nil:
			last = err.Error()
		case len(nodes.Items) != 1:
			last = fmt.Sprintf("%d nodes", len(nodes.Items))
		default:
			node := &nodes.Items[0]
			n.Node = node.Name
			ready := false
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready = true
				}
			}
			last = fmt.Sprintf("node %s ready=%v podCIDR=%q", node.Name, ready, node.Spec.PodCIDR)
			if node.Spec.PodCIDR == "" && !patched && time.Since(start) > 5*time.Second {
				t.Logf("WORKAROUND: node %s has no spec.podCIDR after 5s (node IPAM controller missing?); patching 10.244.0.0/24 in", node.Name)
				p := []byte(`{"spec":{"podCIDR":"10.244.0.0/24","podCIDRs":["10.244.0.0/24"]}}`)
				if _, err := n.CS.CoreV1().Nodes().Patch(ctx, node.Name, types.StrategicMergePatchType, p, metav1.PatchOptions{}); err != nil {
					last = "patch podCIDR: " + err.Error()
				} else {
					patched = true
				}
			}
			if ready && node.Spec.PodCIDR != "" {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node not Ready with a pod CIDR after %s (last: %s)", timeout, last)
		case <-n.exited:
			return errors.New("orca up exited while waiting for its node")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// importImages builds the busybox and server images and imports them with
// `orca image import`.
func (n *nodeUp) importImages(t *testing.T, dir string) {
	t.Helper()
	bb, _, err := images.Busybox(dir)
	if err != nil {
		t.Fatalf("build busybox image: %v", err)
	}
	srv, _, err := images.Server(dir, "v1")
	if err != nil {
		t.Fatalf("build server image: %v", err)
	}
	srv2, _, err := images.Server(dir, "v2")
	if err != nil {
		t.Fatalf("build server image v2: %v", err)
	}
	res := runCmd(2*time.Minute, dir, nil, orcaBin, "image", "import", "--data-dir", n.DataDir, bb, srv, srv2)
	if res.Code != 0 {
		t.Fatalf("orca image import: %s", res)
	}
	res = runCmd(time.Minute, dir, nil, orcaBin, "image", "ls", "--data-dir", n.DataDir)
	if res.Code != 0 || !strings.Contains(res.Out, "orca.local/busybox") || !strings.Contains(res.Out, "orca.local/server") {
		t.Fatalf("orca image ls does not list the imported images: %s", res)
	}
}

// namespace creates a namespace for one subtest; all are deleted at the end.
func (n *nodeUp) namespace(t *testing.T, name string) string {
	t.Helper()
	ns := "node-" + name
	_, err := n.CS.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	n.nsMu.Lock()
	n.namespaces = append(n.namespaces, ns)
	n.nsMu.Unlock()
	return ns
}

// createPod creates a pod (in pod.Namespace).
func (n *nodeUp) createPod(t *testing.T, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, err := n.CS.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return out
}

// waitPod polls the pod until cond holds; on timeout it fails the test
// with the pod's last status.
func (n *nodeUp) waitPod(t *testing.T, ns, name, what string, timeout time.Duration, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	p, err := n.pollPod(ns, name, timeout, cond)
	if err != nil {
		t.Fatalf("pod %s/%s: waiting for %s: %v", ns, name, what, err)
	}
	return p
}

func (n *nodeUp) pollPod(ns, name string, timeout time.Duration, cond func(*corev1.Pod) bool) (*corev1.Pod, error) {
	deadline := time.Now().Add(timeout)
	var last *corev1.Pod
	var lastErr error
	for time.Now().Before(deadline) {
		p, err := n.CS.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			last, lastErr = p, nil
			if cond(p) {
				return p, nil
			}
		} else {
			lastErr = err
		}
		time.Sleep(200 * time.Millisecond)
	}
	if last == nil {
		return nil, fmt.Errorf("not satisfied after %s (last error %v)", timeout, lastErr)
	}
	st, _ := json.MarshalIndent(last.Status, "", "  ")
	return last, fmt.Errorf("not satisfied after %s; last status:\n%s", timeout, st)
}

// waitGone waits until the pod is deleted from the API.
func (n *nodeUp) waitGone(t *testing.T, ns, name string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, err := n.CS.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("pod %s/%s still exists %s after deletion", ns, name, timeout)
}

// kubectl runs `orca kubectl` against the node's cluster.
func (n *nodeUp) kubectl(t *testing.T, args ...string) cmdResult {
	t.Helper()
	return n.K.run(t, args...)
}

// getPodRow returns the `kubectl get pod` row: NAME READY STATUS RESTARTS AGE.
func (n *nodeUp) getPodRow(t *testing.T, ns, name string) []string {
	t.Helper()
	res := n.kubectl(t, "get", "pod", name, "-n", ns, "--no-headers")
	if res.Code != 0 {
		t.Errorf("kubectl get pod %s: %s", name, res)
		return nil
	}
	rows := table(res.Stdout)
	if len(rows) != 1 || len(rows[0]) < 5 {
		t.Errorf("kubectl get pod %s: want one row NAME READY STATUS RESTARTS AGE, got %q", name, res.Stdout)
		return nil
	}
	return rows[0]
}

// waitStatusColumn polls `kubectl get pod` until the STATUS column (and
// READY, when ready is not empty) show what is wanted.
func (n *nodeUp) waitStatusColumn(t *testing.T, ns, name, status, ready string, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var row []string
	for time.Now().Before(deadline) {
		res := n.kubectl(t, "get", "pod", name, "-n", ns, "--no-headers")
		if rows := table(res.Stdout); res.Code == 0 && len(rows) == 1 && len(rows[0]) >= 5 {
			row = rows[0]
			if row[2] == status && (ready == "" || row[1] == ready) {
				return row
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Errorf("kubectl get pod %s/%s: STATUS never became %q (READY %q) within %s; last row %q", ns, name, status, ready, timeout, row)
	return nil
}

// events returns "Type Reason: Message" for the pod's events.
func (n *nodeUp) events(t *testing.T, ns, name string) []corev1.Event {
	t.Helper()
	list, err := n.CS.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Errorf("list events: %v", err)
		return nil
	}
	var out []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Kind == "Pod" && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits for an event of the pod with this reason whose message
// contains msg.
func (n *nodeUp) waitEvent(t *testing.T, ns, name, typ, reason, msg string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var seen []string
	for time.Now().Before(deadline) {
		seen = seen[:0]
		for _, e := range n.events(t, ns, name) {
			seen = append(seen, fmt.Sprintf("%s %s %s: %s", e.Type, e.Reason, e.InvolvedObject.FieldPath, e.Message))
			if e.Type == typ && e.Reason == reason && strings.Contains(e.Message, msg) {
				return
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Errorf("pod %s/%s: no %s event %q with message containing %q within %s; events:\n  %s", ns, name, typ, reason, msg, timeout, strings.Join(seen, "\n  "))
}

// cri connects to the agent's containerd over CRI (a new connection each
// time: containerd may have been restarted).
func (n *nodeUp) cri(t *testing.T) cri.Runtime {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rt, err := cri.Connect(ctx, "unix://"+containerd.SocketPath(n.AgentDir))
	if err != nil {
		t.Fatalf("connect to the agent's containerd: %v", err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) }) //nolint:errcheck
	return rt
}

// runtimeObjects lists a pod's sandboxes and containers in containerd.
func (n *nodeUp) runtimeObjects(t *testing.T, uid types.UID) (sandboxes []*runtimeapi.PodSandbox, containers []*runtimeapi.Container) {
	t.Helper()
	rt := n.cri(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sel := map[string]string{"io.kubernetes.pod.uid": string(uid)}
	sbs, err := rt.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{LabelSelector: sel})
	if err != nil {
		t.Fatalf("CRI ListPodSandbox: %v", err)
	}
	cs, err := rt.ListContainers(ctx, &runtimeapi.ContainerFilter{LabelSelector: sel})
	if err != nil {
		t.Fatalf("CRI ListContainers: %v", err)
	}
	return sbs, cs
}

// sandboxNetNS is the network namespace file of a sandbox, from
// containerd's verbose sandbox status.
func (n *nodeUp) sandboxNetNS(t *testing.T, id string) string {
	t.Helper()
	rt := n.cri(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := rt.PodSandboxStatus(ctx, id, true)
	if err != nil {
		t.Fatalf("CRI PodSandboxStatus %s: %v", id, err)
	}
	var info struct {
		NetNamespacePath string `json:"netNamespacePath"`
		RuntimeSpec      struct {
			Linux struct {
				Namespaces []struct{ Type, Path string }
			}
		} `json:"runtimeSpec"`
	}
	if err := json.Unmarshal([]byte(st.Info["info"]), &info); err != nil {
		t.Fatalf("sandbox %s verbose info: %v", id, err)
	}
	if info.NetNamespacePath != "" {
		return info.NetNamespacePath
	}
	for _, ns := range info.RuntimeSpec.Linux.Namespaces {
		if ns.Type == "network" {
			return ns.Path
		}
	}
	t.Fatalf("sandbox %s: no network namespace in its verbose info", id)
	return ""
}

// ctrContainers lists the container IDs containerd's own client sees in
// the k8s.io namespace.
func (n *nodeUp) ctrContainers(t *testing.T) []string {
	t.Helper()
	res := runCmd(30*time.Second, "", nil, "ctr", "--address", containerd.SocketPath(n.AgentDir), "-n", "k8s.io", "containers", "ls", "-q")
	if res.Code != 0 {
		t.Fatalf("ctr containers ls: %s", res)
	}
	return strings.Fields(res.Stdout)
}

// containerdPID is the pid of the containerd child of orca up.
func (n *nodeUp) containerdPID() int {
	parent := n.PID()
	if parent == 0 {
		return 0
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 || s[open+1:closing] != "containerd" {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == parent {
			return pid
		}
	}
	return 0
}

// cleanup deletes the tests' namespaces and waits until every pod of them
// is gone, so no container outlives the test (containers survive the agent
// by design). It reports what could not be cleaned.
func (n *nodeUp) cleanup(t *testing.T) {
	t.Helper()
	n.nsMu.Lock()
	nss := append([]string(nil), n.namespaces...)
	n.nsMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for _, ns := range nss {
		if err := n.CS.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("cleanup: delete namespace %s: %v", ns, err)
		}
	}
	var left []string
	for {
		left = left[:0]
		for _, ns := range nss {
			if _, err := n.CS.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
				left = append(left, "namespace/"+ns)
			} else if !apierrors.IsNotFound(err) {
				left = append(left, fmt.Sprintf("namespace/%s (%v)", ns, err))
			}
		}
		if len(left) == 0 || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Errorf("cleanup: still there 90s after deleting the test namespaces: %v", left)
		pods, _ := n.CS.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
		if pods != nil {
			for _, p := range pods.Items {
				t.Logf("cleanup: pod left: %s/%s phase %s deletionTimestamp %v", p.Namespace, p.Name, p.Status.Phase, p.DeletionTimestamp)
			}
		}
	}
	// Whatever the kubelet left (a bug), remove it over CRI so that nothing
	// keeps running after the test; report it as a failure.
	rt := n.cri(t)
	cctx, ccancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer ccancel()
	sbs, err := rt.ListPodSandbox(cctx, nil)
	if err != nil {
		t.Errorf("cleanup: CRI ListPodSandbox: %v", err)
		return
	}
	for _, sb := range sbs {
		t.Errorf("cleanup: sandbox %s of pod %s/%s still in containerd after its pod was deleted; removing it", sb.Id[:12], sb.Metadata.Namespace, sb.Metadata.Name)
		rt.StopPodSandbox(cctx, sb.Id)   //nolint:errcheck
		rt.RemovePodSandbox(cctx, sb.Id) //nolint:errcheck
	}
	if cs, err := rt.ListContainers(cctx, nil); err == nil && len(cs) > 0 {
		t.Errorf("cleanup: %d containers still in containerd after every pod was deleted", len(cs))
		for _, c := range cs {
			rt.StopContainer(cctx, c.Id, 1) //nolint:errcheck
			rt.RemoveContainer(cctx, c.Id)  //nolint:errcheck
		}
	}
}

// httpGet fetches a URL with a short timeout and returns the body.
func httpGet(url string) (int, string, error) {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(body), err
}

// waitHTTP polls url until it answers 200, and returns the body.
func waitHTTP(t *testing.T, url string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		code, body, err := httpGet(url)
		if err == nil && code == http.StatusOK {
			return body
		}
		last = fmt.Sprintf("%d %q %v", code, body, err)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("GET %s: no 200 within %s (last: %s)", url, timeout, last)
	return ""
}

// openPTY opens a pseudo-terminal pair: the master and the slave.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("unlockpt: %v", e)
	}
	var num uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&num))); e != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("ptsname: %v", e)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(num)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

// Pod builders.

func int64p(v int64) *int64 { return &v }

// busyboxPod is a pod running a shell script in busybox; the script's
// shell exits on SIGTERM, so deletion does not wait out the grace period.
func busyboxPod(ns, name, script string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: int64p(2),
			Containers: []corev1.Container{{
				Name: "c", Image: images.BusyboxRef, ImagePullPolicy: corev1.PullNever,
				Command: []string{"sh", "-c", "trap 'exit 0' TERM; " + script},
			}},
		},
	}
}

// sleepScript keeps a trap-able shell alive (a foreground sleep would
// delay the trap until it ends).
const sleepScript = "while true; do sleep 1; done"

// serverPod is a pod running the test HTTP server on 8080.
func serverPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: int64p(2),
			Containers: []corev1.Container{{
				Name: "s", Image: "orca.local/server:v1", ImagePullPolicy: corev1.PullNever,
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			}},
		},
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func runningReady(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && podReady(p) && p.Status.PodIP != ""
}

// shims waits up to timeout for the containerd shims serving this node's
// containerd (their command line names its socket) to exit, and returns
// the pids of those still running.
func (n *nodeUp) shims(timeout time.Duration) []int {
	sock := containerd.SocketPath(n.AgentDir)
	var pids []int
	for deadline := time.Now().Add(timeout); ; time.Sleep(200 * time.Millisecond) {
		pids = pids[:0]
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil {
				continue
			}
			args := strings.Split(string(cmdline), "\x00")
			if len(args) > 0 && strings.HasSuffix(args[0], "containerd-shim-runc-v2") && strings.Contains(string(cmdline), sock) {
				pids = append(pids, pid)
			}
		}
		if len(pids) == 0 || time.Now().After(deadline) {
			return pids
		}
	}
}
