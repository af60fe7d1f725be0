package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/agent/containerd"
	"orca/internal/kubelet/cri"
	"orca/test/images"
)

// The test LAN: a bridge in its own network namespace (so that no host
// firewall or bridge-netfilter setting sits between the nodes), the host on
// it through one veth, and one namespace per node.
const (
	lanNS     = "orca-e2e-lan"
	lanBridge = "br0"
	hostIf    = "orca-e2e-h" // the host's end, in the root namespace
	hostIP    = "172.31.250.1"
	lanPrefix = "/24"
)

// testHost is one node: a network namespace on the LAN and the `orca
// agent` running in it.
type testHost struct {
	Name     string // node name and network namespace
	IP       string
	DataDir  string
	AgentDir string
	Port     int // kubelet port
	LogPath  string
	// ProxyMode is the agent's --proxy-mode ("": the default, auto).
	ProxyMode string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

func (h *testHost) netnsPath() string { return "/var/run/netns/" + h.Name }

// TestMultiNode runs one `orca server` on the host and two agents, each in
// its own network namespace on a shared L2 segment: pods reach pods on the
// other node by pod IP with their own source address (host-gateway routes,
// no masquerading inside the cluster CIDR), pods leaving the cluster are
// masqueraded to their node's IP, a Service name balances across nodes and
// a NodePort answers on every node's IP.
func TestMultiNode(t *testing.T) {
	nodePrereqs(t)
	start := time.Now()
	m := startMultiNode(t)
	t.Logf("server and %d agents ready in %s; pod CIDRs %v", len(m.hosts), time.Since(start).Round(time.Millisecond), m.podCIDRs)
	t.Run("routes", func(t *testing.T) { multiNodeRoutes(t, m.hosts, m.podCIDRs) })
	m.startPods(t)
	t.Logf("pods ready after %s", time.Since(start).Round(time.Millisecond))
	t.Run("pod-ip", m.podIP)
	t.Run("masquerade-outside", m.masqueradeOutside)
	m.createService(t)
	t.Run("proxy-modes", m.proxyModes)
	t.Run("service-name", m.serviceName)
	t.Run("nodeport", m.nodePort)
	t.Run("proxy-healthz", m.proxyHealthz)
	t.Logf("done after %s", time.Since(start).Round(time.Millisecond))
}

// multiNode is the cluster of TestMultiNode and what its subtests share.
type multiNode struct {
	c        *nodeUp // only its clients and test namespaces are used
	hosts    []*testHost
	podCIDRs map[string]string // by node
	ns       string
	web      map[string]*corev1.Pod // the test server pod of each node
	clients  map[string]*corev1.Pod // a busybox pod on each node
	svc      *corev1.Service        // NodePort Service over the web pods
}

// startMultiNode sets up the LAN, the server and the agents, waits for the
// nodes and imports the test images; everything goes when the test ends.
func startMultiNode(t *testing.T) *multiNode {
	dir := t.TempDir()
	m := &multiNode{hosts: []*testHost{
		{Name: "orca-e2e-n1", IP: "172.31.250.11", Port: 10251},
		// The second node runs the Service proxy's iptables fallback, so
		// Service names and NodePorts are checked through both modes.
		{Name: "orca-e2e-n2", IP: "172.31.250.12", Port: 10252, ProxyMode: "iptables"},
	}}
	for _, h := range m.hosts {
		h.DataDir = filepath.Join(dir, h.Name)
		h.AgentDir = filepath.Join(h.DataDir, "agent")
		h.LogPath = filepath.Join(dir, h.Name+".log")
	}
	setupLAN(t, m.hosts)
	srv := startOrcaT(t, filepath.Join(dir, "server"), "--bind-address", "0.0.0.0", "--advertise-address", hostIP)
	cfg, err := clientcmd.BuildConfigFromFlags("", srv.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst, cfg.Timeout = -1, -1, 20*time.Second
	home := filepath.Join(dir, "kubectl-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	m.c = &nodeUp{CS: kubernetes.NewForConfigOrDie(cfg), K: &kubectlClient{name: "multinode", bin: orcaBin, prefix: []string{"kubectl"}, dir: home,
		env: map[string]string{"KUBECONFIG": srv.Kubeconfig(), "HOME": home}}}
	for _, h := range m.hosts {
		h.start(t, fmt.Sprintf("https://%s:%d", hostIP, srv.Port), srv.Kubeconfig())
	}
	m.podCIDRs = waitNodesReady(t, m.c.CS, m.hosts, 60*time.Second)
	importImagesInto(t, dir, m.hosts)
	t.Cleanup(func() { cleanupPods(t, m.c, m.hosts) })
	return m
}

// startPods runs a web server pod and a client pod pinned to each node.
func (m *multiNode) startPods(t *testing.T) {
	m.ns = m.c.namespace(t, "multinode")
	m.web, m.clients = map[string]*corev1.Pod{}, map[string]*corev1.Pod{}
	for _, h := range m.hosts {
		p := serverPod(m.ns, "web-"+h.Name)
		p.Labels = map[string]string{"app": "web"}
		p.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": h.Name}
		m.c.createPod(t, p)
		cl := busyboxPod(m.ns, "client-"+h.Name, sleepScript)
		cl.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": h.Name}
		m.c.createPod(t, cl)
	}
	for _, h := range m.hosts {
		m.web[h.Name] = m.c.waitPod(t, m.ns, "web-"+h.Name, "running and ready", 90*time.Second, runningReady)
		m.clients[h.Name] = m.c.waitPod(t, m.ns, "client-"+h.Name, "running and ready", 90*time.Second, runningReady)
		for _, p := range []*corev1.Pod{m.web[h.Name], m.clients[h.Name]} {
			if p.Spec.NodeName != h.Name {
				t.Fatalf("pod %s runs on %s, want %s", p.Name, p.Spec.NodeName, h.Name)
			}
		}
	}
}

// podIP: each client reaches the web pod of the other node, which sees the
// client's own pod IP.
func (m *multiNode) podIP(t *testing.T) {
	for i, h := range m.hosts {
		other := m.hosts[(i+1)%len(m.hosts)]
		client, target := m.clients[h.Name], m.web[other.Name]
		base := fmt.Sprintf("http://%s:8080", target.Status.PodIP)
		if got := execWget(t, m.c, m.ns, client.Name, base+"/", 30*time.Second); got != target.Name {
			t.Errorf("%s (on %s) GET %s/: %q, want %q", client.Name, h.Name, base, got, target.Name)
		}
		if got := execWget(t, m.c, m.ns, client.Name, base+"/remote", 10*time.Second); got != client.Status.PodIP {
			t.Errorf("%s (pod IP %s, node IP %s) GET %s/remote: the server saw %q, want the client's pod IP", client.Name, client.Status.PodIP, h.IP, base, got)
		}
	}
}

// masqueradeOutside: a destination outside the cluster CIDR (the host, on
// the LAN) sees the node's IP; the pod's could not be routed back.
func (m *multiNode) masqueradeOutside(t *testing.T) {
	seen, url := remoteAddrServer(t)
	for _, h := range m.hosts {
		if got := execWget(t, m.c, m.ns, m.clients[h.Name].Name, url, 30*time.Second); got != h.IP {
			t.Errorf("%s GET %s: the host saw %q, want the node IP %s", m.clients[h.Name].Name, url, got, h.IP)
		}
	}
	if n := seen(); n < len(m.hosts) {
		t.Errorf("the host's server got %d requests, want %d", n, len(m.hosts))
	}
}

func (m *multiNode) createService(t *testing.T) {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: m.ns, Name: "web"},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
	var err error
	if m.svc, err = m.c.CS.CoreV1().Services(m.ns).Create(context.Background(), svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// proxyModes: each node's Service proxy runs the mode it was given and
// only that one (nftables: table ip orca-proxy; iptables: ORCA- chains in
// the nat table) and programs the Service's ClusterIP; the fallback says so
// at start.
func (m *multiNode) proxyModes(t *testing.T) {
	for _, h := range m.hosts {
		iptables := h.ProxyMode == "iptables"
		var last string
		ok := false
		for deadline := time.Now().Add(30 * time.Second); !ok && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			nft := runCmd(10*time.Second, "", nil, "ip", "netns", "exec", h.Name, "nft", "list", "table", "ip", "orca-proxy")
			ipt := runCmd(10*time.Second, "", nil, "ip", "netns", "exec", h.Name, "iptables-save", "-t", "nat")
			rules, otherMode := nft.Out, strings.Contains(ipt.Out, "ORCA-")
			if iptables {
				rules, otherMode = ipt.Out, nft.Code == 0
			}
			ok = strings.Contains(rules, m.svc.Spec.ClusterIP) && !otherMode
			last = fmt.Sprintf("nft list table ip orca-proxy:\n%s\niptables-save -t nat:\n%s", nft.Out, ipt.Out)
		}
		if !ok {
			t.Errorf("%s (proxy mode %q): the Service's ClusterIP %s is not in its mode's rules, or the other mode has rules:\n%s", h.Name, h.ProxyMode, m.svc.Spec.ClusterIP, last)
		}
		if log, _ := os.ReadFile(h.LogPath); iptables && !strings.Contains(string(log), "service proxy: iptables mode") {
			t.Errorf("%s: no start-up line naming the iptables mode in the agent log", h.Name)
		}
	}
}

// webNames is the set of the web pods' names (what they answer with).
func (m *multiNode) webNames() map[string]bool {
	want := map[string]bool{}
	for _, p := range m.web {
		want[p.Name] = true
	}
	return want
}

// serviceName: from each node, the Service's DNS name reaches the pods of
// both.
func (m *multiNode) serviceName(t *testing.T) {
	want := m.webNames()
	url := fmt.Sprintf("http://web.%s.svc.cluster.local/", m.ns)
	for _, h := range m.hosts {
		if got := wgetUntilAll(t, m.c, m.ns, m.clients[h.Name].Name, url, want, 60*time.Second); len(got) != len(want) {
			t.Errorf("from %s, %s reached %v, want all of %v", h.Name, url, got, want)
		}
	}
}

// nodePort: every node's IP serves the NodePort, with backends on both
// nodes.
func (m *multiNode) nodePort(t *testing.T) {
	want := m.webNames()
	for _, h := range m.hosts {
		url := fmt.Sprintf("http://%s:%d/", h.IP, m.svc.Spec.Ports[0].NodePort)
		if got, last := getUntilAll(url, want, 60*time.Second); len(got) != len(want) {
			t.Errorf("NodePort %s reached %v, want all of %v (last: %s)", url, got, want, last)
		}
	}
}

// proxyHealthz: every node's proxy answers kube-proxy's /healthz on
// 10256, healthy once it has synced.
func (m *multiNode) proxyHealthz(t *testing.T) {
	for _, h := range m.hosts {
		url := fmt.Sprintf("http://%s:10256/healthz", h.IP)
		code, body, err := httpGet(url)
		if err != nil || code != 200 || !strings.Contains(body, `"nodeEligible": true`) || !strings.Contains(body, `"lastUpdated"`) {
			t.Errorf("GET %s: %d %q %v, want 200 with lastUpdated and nodeEligible true", url, code, body, err)
		}
	}
}

// getUntilAll GETs url from the host until every wanted body was seen or
// the timeout passes. Each request has its own connection: a kept-alive
// one stays with the endpoint its first packet was sent to.
func getUntilAll(url string, want map[string]bool, timeout time.Duration) (got map[string]bool, last string) {
	hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	got = map[string]bool{}
	for deadline := time.Now().Add(timeout); len(got) < len(want) && time.Now().Before(deadline); {
		resp, err := hc.Get(url)
		if err != nil {
			last = err.Error()
			time.Sleep(200 * time.Millisecond)
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		resp.Body.Close()
		last = fmt.Sprintf("HTTP %d %q", resp.StatusCode, body)
		if resp.StatusCode != http.StatusOK {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		got[strings.TrimSpace(string(body))] = true
	}
	return got, last
}

// multiNodeRoutes checks each node's routes (orca's protocol 79) and its
// masquerade table.
func multiNodeRoutes(t *testing.T, hosts []*testHost, podCIDRs map[string]string) {
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var missing []string
		for _, h := range hosts {
			out := ipCmd(t, "-n", h.Name, "route", "show", "proto", "79")
			for _, o := range hosts {
				if o == h {
					continue
				}
				want := podCIDRs[o.Name] + " via " + o.IP
				if !strings.Contains(out, want) {
					missing = append(missing, fmt.Sprintf("%s lacks %q (has %q)", h.Name, want, out))
				}
			}
			nft := runCmd(10*time.Second, "", nil, "ip", "netns", "exec", h.Name, "nft", "list", "table", "inet", "orca-network")
			want := fmt.Sprintf("ip saddr %s ip daddr != 10.244.0.0/16", podCIDRs[h.Name])
			if nft.Code != 0 || !strings.Contains(nft.Out, want) || !strings.Contains(nft.Out, "masquerade") {
				missing = append(missing, fmt.Sprintf("%s: table inet orca-network lacks %q: %s", h.Name, want, nft))
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod network not set up:\n%s", strings.Join(missing, "\n"))
		}
	}
}

// execWget runs wget in the pod until it answers (routes and rules may
// still be on their way) and returns the body, trimmed.
func execWget(t *testing.T, c *nodeUp, ns, pod, url string, timeout time.Duration) string {
	t.Helper()
	var last cmdResult
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		last = c.kubectl(t, "exec", "-n", ns, pod, "--", "timeout", "5", "wget", "-qO-", url)
		if last.Code == 0 {
			return strings.TrimSpace(last.Stdout)
		}
	}
	t.Errorf("%s: wget %s never succeeded within %s: %s", pod, url, timeout, last)
	return ""
}

// wgetUntilAll fetches url from the pod, 10 times per exec, until every
// wanted body was seen or the timeout passes; it returns the bodies seen.
func wgetUntilAll(t *testing.T, c *nodeUp, ns, pod, url string, want map[string]bool, timeout time.Duration) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	script := fmt.Sprintf("for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -qO- %s; done; true", url)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
		res := c.kubectl(t, "exec", "-n", ns, pod, "--", "sh", "-c", script)
		for _, l := range outLines(res.Stdout) {
			if l = strings.TrimSpace(l); want[l] {
				got[l] = true
			}
		}
		if len(got) == len(want) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	return got
}

// remoteAddrServer serves, on the host's LAN address, the client address
// of each request; seen counts the requests.
func remoteAddrServer(t *testing.T) (seen func() int, url string) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(hostIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprintln(w, host)
	})}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return func() int { mu.Lock(); defer mu.Unlock(); return n }, "http://" + ln.Addr().String() + "/"
}

// setupLAN creates the namespaces, the bridge and the veths; everything is
// removed when the test ends (and leftovers of an earlier run first).
func setupLAN(t *testing.T, hosts []*testHost) {
	t.Helper()
	teardownLAN(hosts)
	t.Cleanup(func() {
		teardownLAN(hosts)
		for _, name := range append(netnsNames(hosts), lanNS) {
			if _, err := os.Stat("/var/run/netns/" + name); err == nil {
				t.Errorf("network namespace %s still exists after cleanup", name)
			}
		}
	})
	ipCmd(t, "netns", "add", lanNS)
	ipCmd(t, "-n", lanNS, "link", "add", lanBridge, "type", "bridge")
	ipCmd(t, "-n", lanNS, "link", "set", lanBridge, "up")
	ipCmd(t, "link", "add", hostIf, "type", "veth", "peer", "name", "host", "netns", lanNS)
	ipCmd(t, "addr", "add", hostIP+lanPrefix, "dev", hostIf)
	ipCmd(t, "link", "set", hostIf, "up")
	ipCmd(t, "-n", lanNS, "link", "set", "host", "master", lanBridge, "up")
	for _, h := range hosts {
		ipCmd(t, "netns", "add", h.Name)
		ipCmd(t, "-n", h.Name, "link", "set", "lo", "up")
		ipCmd(t, "-n", h.Name, "link", "add", "eth0", "type", "veth", "peer", "name", h.Name, "netns", lanNS)
		ipCmd(t, "-n", h.Name, "addr", "add", h.IP+lanPrefix, "dev", "eth0")
		ipCmd(t, "-n", h.Name, "link", "set", "eth0", "up")
		ipCmd(t, "-n", lanNS, "link", "set", h.Name, "master", lanBridge, "up")
	}
}

// teardownLAN deletes what setupLAN made. Deleting a namespace deletes its
// interfaces (the veths' other ends too), routes and nftables tables.
func teardownLAN(hosts []*testHost) {
	for _, name := range append(netnsNames(hosts), lanNS) {
		if _, err := os.Stat("/var/run/netns/" + name); err == nil {
			runCmd(10*time.Second, "", nil, "ip", "netns", "del", name)
		}
	}
	if _, err := net.InterfaceByName(hostIf); err == nil {
		runCmd(10*time.Second, "", nil, "ip", "link", "del", hostIf)
	}
	for _, h := range hosts {
		removeCgroupRoot("/" + h.Name)
	}
}

func netnsNames(hosts []*testHost) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, h.Name)
	}
	return out
}

// removeCgroupRoot removes an agent's --cgroup-root in every hierarchy,
// deepest first (only empty cgroups can be removed, so live pods keep
// theirs).
func removeCgroupRoot(root string) {
	mounts, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, m := range append(mounts, "/sys/fs/cgroup") {
		removeTree(filepath.Join(m, root))
	}
}

func removeTree(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			removeTree(filepath.Join(dir, e.Name()))
		}
	}
	os.Remove(dir) //nolint:errcheck // best effort
}

func ipCmd(t *testing.T, args ...string) string {
	t.Helper()
	res := runCmd(10*time.Second, "", nil, "ip", args...)
	if res.Code != 0 {
		t.Fatalf("ip %s: %s", strings.Join(args, " "), res)
	}
	return res.Stdout
}

// start runs `orca agent` in the host's network namespace. nsenter, not
// `ip netns exec`: that one also remounts /sys, hiding the cgroup
// hierarchies from containerd and runc.
func (h *testHost) start(t *testing.T, server, kubeconfig string) {
	t.Helper()
	logf, err := os.OpenFile(h.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--net=" + h.netnsPath(), orcaBin, "agent",
		"--server", server, "--kubeconfig", kubeconfig,
		"--data-dir", h.DataDir, "--agent-data-dir", h.AgentDir,
		"--node-name", h.Name, "--node-ip", h.IP, "--kubelet-port", strconv.Itoa(h.Port),
		"--cgroup-root", "/" + h.Name}
	if h.ProxyMode != "" {
		args = append(args, "--proxy-mode", h.ProxyMode)
	}
	cmd := exec.Command("nsenter", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = envWith(map[string]string{"KUBECONFIG": ""})
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	h.mu.Lock()
	h.cmd, h.exited = cmd, make(chan struct{})
	h.mu.Unlock()
	go func() {
		cmd.Wait() //nolint:errcheck // reported through the log
		logf.Close()
		close(h.exited)
	}()
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Error(err)
		}
		// The agent deletes its table on a clean exit.
		if res := runCmd(10*time.Second, "", nil, "ip", "netns", "exec", h.Name, "nft", "list", "table", "inet", "orca-network"); res.Code == 0 {
			t.Errorf("%s: table inet orca-network still there after the agent's clean exit:\n%s", h.Name, res.Out)
		}
		if res := runCmd(10*time.Second, "", nil, "ip", "netns", "exec", h.Name, "nft", "list", "table", "ip", "orca-proxy"); res.Code == 0 {
			t.Errorf("%s: table ip orca-proxy still there after the agent's clean exit:\n%s", h.Name, res.Out)
		}
		if res := runCmd(10*time.Second, "", nil, "ip", "netns", "exec", h.Name, "iptables-save"); res.Code != 0 || strings.Contains(res.Out, "ORCA-") {
			t.Errorf("%s: ORCA- iptables chains or jumps left after the agent's clean exit (or iptables-save failed):\n%s", h.Name, res.Out)
		}
		// Every pod was deleted before: no shim of this containerd may be left.
		if left := shimsOf(h.AgentDir, 10*time.Second); len(left) > 0 {
			t.Errorf("%s: containerd shims still run after every pod was deleted and the agent stopped: pids %v; killing them", h.Name, left)
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck
			}
		}
		if t.Failed() {
			t.Logf("--- %s agent log (tail) ---\n%s", h.Name, fileTail(h.LogPath, 60))
		}
	})
}

// stop sends SIGTERM to the agent (nsenter exec'd it: same PID) and waits;
// SIGKILL after 30 s counts as a failure.
func (h *testHost) stop() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd == nil {
		return nil
	}
	select {
	case <-h.exited:
		return nil
	default:
	}
	pid := h.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-h.exited:
		return nil
	case <-time.After(30 * time.Second):
		syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck
		<-h.exited
		return fmt.Errorf("agent %s (pid %d) ignored SIGTERM for 30s; killed", h.Name, pid)
	}
}

// shimsOf waits up to timeout for the shims of the containerd serving
// agentDir to exit, and returns the pids of those still running.
func shimsOf(agentDir string, timeout time.Duration) []int {
	n := &nodeUp{AgentDir: agentDir}
	return n.shims(timeout)
}

// waitNodesReady waits until every host's node is Ready with a pod CIDR
// and returns the pod CIDRs by node.
func waitNodesReady(t *testing.T, cs kubernetes.Interface, hosts []*testHost, timeout time.Duration) map[string]string {
	t.Helper()
	var last string
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		for _, h := range hosts {
			select {
			case <-h.exited:
				t.Fatalf("agent %s exited:\n%s", h.Name, fileTail(h.LogPath, 40))
			default:
			}
		}
		cidrs := map[string]string{}
		last = ""
		for _, h := range hosts {
			n, err := cs.CoreV1().Nodes().Get(context.Background(), h.Name, metav1.GetOptions{})
			if err != nil {
				last += fmt.Sprintf("%s: %v; ", h.Name, err)
				continue
			}
			ready := false
			for _, c := range n.Status.Conditions {
				ready = ready || c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue
			}
			if ready && n.Spec.PodCIDR != "" {
				cidrs[h.Name] = n.Spec.PodCIDR
			} else {
				last += fmt.Sprintf("%s: ready=%v podCIDR=%q; ", h.Name, ready, n.Spec.PodCIDR)
			}
		}
		if len(cidrs) == len(hosts) {
			return cidrs
		}
	}
	t.Fatalf("nodes not Ready with pod CIDRs after %s: %s", timeout, last)
	return nil
}

// importImagesInto builds the test images once and imports them into every
// agent's containerd (over its socket, which the host reaches).
func importImagesInto(t *testing.T, dir string, hosts []*testHost) {
	t.Helper()
	bb, _, err := images.Busybox(dir)
	if err != nil {
		t.Fatalf("build busybox image: %v", err)
	}
	srv, _, err := images.Server(dir, "v1")
	if err != nil {
		t.Fatalf("build server image: %v", err)
	}
	for _, h := range hosts {
		res := runCmd(2*time.Minute, dir, nil, orcaBin, "image", "import", "--address", containerd.SocketPath(h.AgentDir), bb, srv)
		if res.Code != 0 {
			t.Fatalf("orca image import into %s: %s", h.Name, res)
		}
	}
}

// cleanupPods deletes the test's namespaces, waits for their pods to go,
// and removes (as a failure) whatever an agent's containerd still holds.
func cleanupPods(t *testing.T, c *nodeUp, hosts []*testHost) {
	t.Helper()
	c.nsMu.Lock()
	nss := append([]string(nil), c.namespaces...)
	c.nsMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, ns := range nss {
		if err := c.CS.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
			t.Errorf("cleanup: delete namespace %s: %v", ns, err)
		}
	}
	for _, ns := range nss {
		for {
			pods, err := c.CS.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err == nil && len(pods.Items) == 0 {
				break
			}
			if ctx.Err() != nil {
				t.Errorf("cleanup: pods of %s still there after 60s", ns)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for _, h := range hosts {
		cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
		rt, err := cri.Connect(cctx, "unix://"+containerd.SocketPath(h.AgentDir))
		if err != nil {
			ccancel()
			t.Errorf("cleanup: connect to %s's containerd: %v", h.Name, err)
			continue
		}
		sbs, _ := rt.ListPodSandbox(cctx, &runtimeapi.PodSandboxFilter{})
		for _, sb := range sbs {
			t.Errorf("cleanup: %s: sandbox of pod %s/%s left in containerd; removing it", h.Name, sb.Metadata.Namespace, sb.Metadata.Name)
			rt.StopPodSandbox(cctx, sb.Id)   //nolint:errcheck
			rt.RemovePodSandbox(cctx, sb.Id) //nolint:errcheck
		}
		rt.Close(cctx) //nolint:errcheck
		ccancel()
	}
}
