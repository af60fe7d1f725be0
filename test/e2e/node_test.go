package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestNode runs real pods on containerd: one `orca up` child process (API
// server, scheduler, controllers and the node agent with its private
// containerd) serves every subtest; each subtest works in its own
// namespace. The subtests that do not disturb the node run in parallel;
// then containerd is killed, then orca up itself is restarted.
func TestNode(t *testing.T) {
	nodePrereqs(t)
	dir := t.TempDir()
	start := time.Now()
	n := startNodeUp(t, dir)
	t.Logf("orca up (pid %d) ready with node %s in %s; log %s", n.PID(), n.Node, time.Since(start).Round(time.Millisecond), n.LogPath)
	// Cleanups run last-registered first: pods go, then orca up stops.
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
		// Every pod was deleted before: no shim of this containerd may be left.
		if left := n.shims(10 * time.Second); len(left) > 0 {
			t.Errorf("containerd shims of the test's containerd still run after every pod was deleted and orca up stopped: pids %v; killing them", left)
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck
			}
		}
		if keep := os.Getenv("ORCA_E2E_NODE_LOGS"); keep != "" {
			// Keep the logs for a look after the temp dir is gone.
			for _, f := range []string{n.LogPath, filepath.Join(n.AgentDir, "containerd", "containerd.log")} {
				if data, err := os.ReadFile(f); err == nil {
					os.WriteFile(filepath.Join(keep, filepath.Base(f)), data, 0o644) //nolint:errcheck
				}
			}
		}
		if t.Failed() {
			t.Logf("--- orca up log (tail) ---\n%s", n.LogTail(150))
			t.Logf("--- containerd log (tail) ---\n%s", n.ContainerdLogTail(40))
		}
	})
	t.Cleanup(func() {
		if n.PID() == 0 {
			// A subtest left orca up stopped: start it to delete the pods.
			if err := n.Start(); err != nil {
				t.Errorf("restart orca up for cleanup: %v", err)
				return
			}
			if err := n.waitNodeReady(t, 60*time.Second); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		n.cleanup(t)
	})
	n.importImages(t, dir)

	t.Run("pods", func(t *testing.T) {
		t.Run("running-ready", func(t *testing.T) { t.Parallel(); nodeRunningReady(t, n) })
		t.Run("logs", func(t *testing.T) { t.Parallel(); nodeLogs(t, n) })
		t.Run("exec", func(t *testing.T) { t.Parallel(); nodeExec(t, n) })
		t.Run("crashloop", func(t *testing.T) { t.Parallel(); nodeCrashLoop(t, n) })
		t.Run("liveness", func(t *testing.T) { t.Parallel(); nodeLiveness(t, n) })
		t.Run("readiness", func(t *testing.T) { t.Parallel(); nodeReadiness(t, n) })
		t.Run("env", func(t *testing.T) { t.Parallel(); nodeEnv(t, n) })
		t.Run("configmap-volume", func(t *testing.T) { t.Parallel(); nodeConfigMapVolume(t, n) })
		t.Run("oom", func(t *testing.T) { t.Parallel(); nodeOOM(t, n) })
		t.Run("prestop-grace", func(t *testing.T) { t.Parallel(); nodePreStop(t, n, dir) })
		t.Run("termination-message", func(t *testing.T) { t.Parallel(); nodeTerminationMessage(t, n) })
		t.Run("pod-to-pod", func(t *testing.T) { t.Parallel(); nodePodToPod(t, n) })
		t.Run("delete-cleanup", func(t *testing.T) { t.Parallel(); nodeDeleteCleanup(t, n) })
		t.Run("host-network", func(t *testing.T) { t.Parallel(); nodeHostNetwork(t, n) })
		t.Run("status-creating", func(t *testing.T) { t.Parallel(); nodeStatusCreating(t, n) })
		t.Run("status-init", func(t *testing.T) { t.Parallel(); nodeStatusInit(t, n) })
		t.Run("status-errors", func(t *testing.T) { t.Parallel(); nodeStatusErrors(t, n) })
		t.Run("sidecar", func(t *testing.T) { t.Parallel(); nodeSidecar(t, n) })
		t.Run("port-forward", func(t *testing.T) { t.Parallel(); nodePortForward(t, n) })
		t.Run("image-update", func(t *testing.T) { t.Parallel(); nodeImageUpdate(t, n) })
		t.Run("force-delete", func(t *testing.T) { t.Parallel(); nodeForceDelete(t, n) })
		t.Run("security-context", func(t *testing.T) { t.Parallel(); nodeSecurityContext(t, n) })
		t.Run("resources", func(t *testing.T) { t.Parallel(); nodeResources(t, n) })
		t.Run("slow-pull", func(t *testing.T) { t.Parallel(); nodeSlowPull(t, n) })
		t.Run("deployment-rollout", func(t *testing.T) { t.Parallel(); nodeDeploymentRollout(t, n) })
		t.Run("helm", func(t *testing.T) { t.Parallel(); nodeHelm(t, n) })
		t.Run("host-port", func(t *testing.T) { t.Parallel(); nodeHostPort(t, n) })
		t.Run("ingress", func(t *testing.T) { t.Parallel(); nodeIngress(t, n) })
		t.Run("dns", func(t *testing.T) { t.Parallel(); nodeDNS(t, n) })
		t.Run("canonical-demo", func(t *testing.T) { t.Parallel(); nodeDNSCanonicalDemo(t, n) })
		t.Run("service-vip", func(t *testing.T) { t.Parallel(); serviceVIP(t, n) })
		t.Run("service-nodeport", func(t *testing.T) { t.Parallel(); serviceNodePort(t, n) })
		t.Run("service-affinity", func(t *testing.T) { t.Parallel(); serviceAffinity(t, n) })
		t.Run("service-readiness", func(t *testing.T) { t.Parallel(); serviceReadiness(t, n) })
		t.Run("service-hairpin", func(t *testing.T) { t.Parallel(); serviceHairpin(t, n) })
		t.Run("service-no-endpoints", func(t *testing.T) { t.Parallel(); serviceNoEndpoints(t, n) })
	})
	// These disturb the whole node: one at a time, after the others.
	t.Run("ip-reuse", func(t *testing.T) { nodeIPReuse(t, n) })
	t.Run("containerd-restart", func(t *testing.T) { nodeContainerdRestart(t, n) })
	t.Run("agent-restart", func(t *testing.T) { nodeAgentRestart(t, n) })
}

func nodeRunningReady(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "ready")
	n.createPod(t, serverPod(ns, "web"))
	p := n.waitPod(t, ns, "web", "Running and Ready", 60*time.Second, runningReady)

	node, err := n.CS.CoreV1().Nodes().Get(context.Background(), n.Node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, cidr, err := net.ParseCIDR(node.Spec.PodCIDR)
	if err != nil {
		t.Fatalf("node podCIDR %q: %v", node.Spec.PodCIDR, err)
	}
	if ip := net.ParseIP(p.Status.PodIP); ip == nil || !cidr.Contains(ip) {
		t.Errorf("podIP %q is not in the node's pod CIDR %s", p.Status.PodIP, cidr)
	}
	if len(p.Status.PodIPs) != 1 || p.Status.PodIPs[0].IP != p.Status.PodIP {
		t.Errorf("podIPs %v, want [%s]", p.Status.PodIPs, p.Status.PodIP)
	}
	if p.Status.HostIP == "" || p.Status.StartTime == nil || p.Status.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("hostIP %q startTime %v qosClass %q: want an IP, a time, BestEffort", p.Status.HostIP, p.Status.StartTime, p.Status.QOSClass)
	}
	conds := map[corev1.PodConditionType]corev1.ConditionStatus{}
	for _, c := range p.Status.Conditions {
		conds[c.Type] = c.Status
	}
	for _, c := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled} {
		if conds[c] != corev1.ConditionTrue {
			t.Errorf("condition %s = %q, want True (all: %v)", c, conds[c], conds)
		}
	}
	if len(p.Status.ContainerStatuses) != 1 {
		t.Fatalf("containerStatuses: %+v", p.Status.ContainerStatuses)
	}
	cs := p.Status.ContainerStatuses[0]
	if cs.Name != "s" || !cs.Ready || cs.Started == nil || !*cs.Started || cs.RestartCount != 0 || cs.State.Running == nil ||
		!strings.HasPrefix(cs.ContainerID, "containerd://") || cs.ImageID == "" || cs.Image != "orca.local/server:v1" {
		t.Errorf("container status: %+v", cs)
	}

	// The server answers from the host, by pod IP, with its hostname (the pod name).
	if body := waitHTTP(t, "http://"+net.JoinHostPort(p.Status.PodIP, "8080")+"/", 10*time.Second); body != "web\n" {
		t.Errorf("GET / on the pod = %q, want the pod's hostname %q", body, "web\n")
	}

	row := n.getPodRow(t, ns, "web")
	if row != nil && (row[1] != "1/1" || row[2] != "Running" || row[3] != "0") {
		t.Errorf("kubectl get pod: row %q, want web 1/1 Running 0", row)
	}
	res := n.kubectl(t, "get", "pod", "web", "-n", ns, "-o", "wide")
	if ok(t, res, "get pod -o wide") {
		expectMatch(t, "get pod -o wide", res.Stdout, []string{`(?m)^web\s+1/1\s+Running\s+0\s+\S+\s+` + regexp.QuoteMeta(p.Status.PodIP) + `\s+` + regexp.QuoteMeta(n.Node) + `\s`})
	}
	// Events as upstream's kubelet records them.
	n.waitEvent(t, ns, "web", "Normal", "Scheduled", "Successfully assigned "+ns+"/web to "+n.Node, 10*time.Second)
	n.waitEvent(t, ns, "web", "Normal", "Pulled", `Container image "orca.local/server:v1" already present on machine`, 10*time.Second)
	n.waitEvent(t, ns, "web", "Normal", "Created", "Created container", 10*time.Second)
	n.waitEvent(t, ns, "web", "Normal", "Started", "Started container s", 10*time.Second)
}

// logsScript runs twice: the first run prints two lines and fails, the
// second prints two more and, once /tmp/go exists, one later line.
const logsScript = `n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo run-$n a; echo run-$n b; ` +
	`if [ $n -lt 2 ]; then exit 1; fi; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo later; ` + sleepScript

func nodeLogs(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "logs")
	pod := busyboxPod(ns, "talker", logsScript)
	pod.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	n.createPod(t, pod)
	n.waitPod(t, ns, "talker", "restartCount 1 and running", 60*time.Second, func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount == 1 && p.Status.ContainerStatuses[0].State.Running != nil
	})

	res := n.kubectl(t, "logs", "talker", "-n", ns)
	if ok(t, res, "logs") {
		expectLines(t, "logs", res, "run-2 a", "run-2 b")
	}
	res = n.kubectl(t, "logs", "talker", "-n", ns, "--previous")
	if ok(t, res, "logs --previous") {
		expectLines(t, "logs --previous", res, "run-1 a", "run-1 b")
	}
	res = n.kubectl(t, "logs", "talker", "-n", ns, "--tail=1")
	if ok(t, res, "logs --tail=1") {
		expectLines(t, "logs --tail=1", res, "run-2 b")
	}
	res = n.kubectl(t, "logs", "talker", "-n", ns, "-c", "c", "--timestamps")
	if ok(t, res, "logs --timestamps") {
		expectMatch(t, "logs --timestamps", res.Stdout, []string{`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z run-2 a$`})
	}

	// logs -f: a line written later arrives on the open stream.
	cmd := exec.Command(orcaBin, "kubectl", "logs", "-f", "talker", "-n", ns)
	cmd.Env = envWith(n.K.env)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck
		cmd.Wait()                                     //nolint:errcheck
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(want string) bool {
		var got []string
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, open := <-lines:
				if !open {
					t.Errorf("logs -f ended before %q; got %q", want, got)
					return false
				}
				got = append(got, l)
				if l == want {
					return true
				}
			case <-timeout:
				t.Errorf("logs -f: no line %q within 20s; got %q", want, got)
				return false
			}
		}
	}
	if !waitLine("run-2 b") {
		return
	}
	res = n.kubectl(t, "exec", "talker", "-n", ns, "--", "touch", "/tmp/go")
	ok(t, res, "exec touch /tmp/go")
	waitLine("later")
	res = n.kubectl(t, "logs", "talker", "-n", ns, "--tail=1")
	if ok(t, res, "logs --tail=1 (after later)") {
		expectLines(t, "logs --tail=1 (after later)", res, "later")
	}
}

// kubectlStdin runs `orca kubectl` with stdin from a string.
func (n *nodeUp) kubectlStdin(t *testing.T, stdin string, args ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, orcaBin, append([]string{"kubectl"}, args...)...)
	cmd.Env = envWith(n.K.env)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.WaitDelay = 5 * time.Second
	var combined, stdout lockedBuffer
	cmd.Stdout = multiWriter{&combined, &stdout}
	cmd.Stderr = &combined
	err := cmd.Run()
	res := cmdResult{Out: combined.String(), Stdout: stdout.String(), Code: -1, Err: err}
	if cmd.ProcessState != nil {
		res.Code = cmd.ProcessState.ExitCode()
	}
	t.Logf("$ kubectl %s  <<< %q  [exit %d]", strings.Join(args, " "), stdin, res.Code)
	return res
}

func nodeExec(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "exec")
	n.createPod(t, serverPod(ns, "box"))
	n.waitPod(t, ns, "box", "Running and Ready", 60*time.Second, runningReady)

	// Without a TTY: stdout and stderr apart, the exit code propagated.
	res := n.kubectl(t, "exec", "box", "-n", ns, "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3")
	if res.Code != 3 {
		t.Errorf("exec exit 3: kubectl exit code %d, want 3; %s", res.Code, res)
	}
	if strings.TrimSpace(res.Stdout) != "to-stdout" || !strings.Contains(res.Out, "to-stderr") {
		t.Errorf("exec: stdout %q (want to-stdout), combined %q (want to-stderr in it)", res.Stdout, res.Out)
	}
	if !strings.Contains(res.Out, "command terminated with exit code 3") {
		t.Errorf("exec: kubectl should say %q; %s", "command terminated with exit code 3", res)
	}
	res = n.kubectl(t, "exec", "box", "-n", ns, "-c", "s", "--", "sh", "-c", "hostname; echo $VERSION; id -u")
	if ok(t, res, "exec hostname") {
		expectLines(t, "exec hostname", res, "box", "v1", "0")
	}
	res = n.kubectl(t, "exec", "box", "-n", ns, "--", "/no/such/binary")
	if res.Code == 0 {
		t.Errorf("exec of a missing binary succeeded; %s", res)
	}

	// stdin piped (-i).
	res = n.kubectlStdin(t, "line one\nline two\n", "exec", "-i", "box", "-n", ns, "--", "sh", "-c", "wc -l; cat >/dev/null")
	if ok(t, res, "exec -i") && strings.TrimSpace(res.Stdout) != "2" {
		t.Errorf("exec -i wc -l = %q, want 2", res.Stdout)
	}
	// -it with stdin piped: kubectl falls back to no TTY, as upstream.
	res = n.kubectlStdin(t, "piped\n", "exec", "-it", "box", "-n", ns, "--", "sh", "-c", "if [ -t 0 ]; then echo tty; else echo notty; fi; cat")
	if ok(t, res, "exec -it (stdin piped)") {
		if got := strings.Fields(res.Stdout); strings.Join(got, " ") != "notty piped" {
			t.Errorf("exec -it with piped stdin: stdout %q, want notty then piped", res.Stdout)
		}
		if !strings.Contains(res.Out, "Unable to use a TTY") {
			t.Errorf("exec -it with piped stdin: kubectl should warn %q; %s", "Unable to use a TTY - input is not a terminal", res)
		}
	}

	// -it on a real terminal: the remote side gets a TTY, input typed on
	// the terminal reaches it, and the exit code comes back.
	master, slave, err := openPTY()
	if err != nil {
		t.Fatalf("open a pty: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(orcaBin, "kubectl", "exec", "-it", "box", "-n", ns, "--", "sh", "-c", "if [ -t 0 ]; then echo TTY-YES; fi; read line; echo got-$line; exit 7")
	cmd.Env = envWith(n.K.env)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatal(err)
	}
	slave.Close()
	var mu sync.Mutex
	var screen strings.Builder
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := master.Read(buf)
			mu.Lock()
			screen.Write(buf[:k])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool { mu.Lock(); defer mu.Unlock(); return strings.Contains(screen.String(), s) }
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for !seen("TTY-YES") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := master.Write([]byte("hello\r")); err != nil {
		t.Errorf("write to the terminal: %v", err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		syscall.Kill(cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck
		<-done
		t.Errorf("exec -it on a terminal did not end within 30s")
	}
	// Let the reader drain what the pty still holds.
	for end := time.Now().Add(2 * time.Second); !seen("exit code 7") && time.Now().Before(end); {
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	got := screen.String()
	mu.Unlock()
	if !strings.Contains(got, "TTY-YES") || !strings.Contains(got, "got-hello") {
		t.Errorf("exec -it on a terminal: output %q, want TTY-YES and got-hello", got)
	}
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Errorf("exec -it on a terminal: kubectl exit code %d, want 7; output %q", code, got)
	}
}

func nodeCrashLoop(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "crash")
	n.createPod(t, busyboxPod(ns, "crasher", "echo crashing; exit 1"))
	row := n.waitStatusColumn(t, ns, "crasher", "CrashLoopBackOff", "0/1", 60*time.Second)
	if row == nil {
		return
	}
	p := n.waitPod(t, ns, "crasher", "waiting in CrashLoopBackOff", 10*time.Second, func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "CrashLoopBackOff"
	})
	cs := p.Status.ContainerStatuses[0]
	first := cs.RestartCount
	if first < 1 {
		t.Errorf("CrashLoopBackOff with restartCount %d, want ≥ 1", first)
	}
	if !regexp.MustCompile(`^back-off \d+s restarting failed container=c pod=crasher_` + ns + `\(` + string(p.UID) + `\)$`).MatchString(cs.State.Waiting.Message) {
		t.Errorf("waiting message %q is not upstream's", cs.State.Waiting.Message)
	}
	if lt := cs.LastTerminationState.Terminated; lt == nil || lt.ExitCode != 1 || lt.Reason != "Error" {
		t.Errorf("lastState %+v, want terminated exit 1 reason Error", cs.LastTerminationState)
	}
	if p.Status.Phase != corev1.PodRunning {
		t.Errorf("phase %s, want Running (restartPolicy Always)", p.Status.Phase)
	}
	// The back-off ends, the container runs (and crashes) again: the count grows.
	p = n.waitPod(t, ns, "crasher", fmt.Sprintf("restartCount > %d", first), 45*time.Second, func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount > first
	})
	if row := n.getPodRow(t, ns, "crasher"); row != nil && !regexp.MustCompile(`^[1-9]\d*$`).MatchString(row[3]) {
		t.Errorf("RESTARTS column %q, want a count (row %q)", row[3], row)
	}
	n.waitEvent(t, ns, "crasher", "Warning", "BackOff", "Back-off restarting failed container c in pod crasher_"+ns, 10*time.Second)
	res := n.kubectl(t, "logs", "crasher", "-n", ns, "--previous")
	if ok(t, res, "logs --previous (crashloop)") {
		expectLines(t, "logs --previous (crashloop)", res, "crashing")
	}
}

func nodeLiveness(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "liveness")
	pod := serverPod(ns, "live")
	pod.Spec.Containers[0].LivenessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
		PeriodSeconds: 1, FailureThreshold: 2, TimeoutSeconds: 1,
	}
	n.createPod(t, pod)
	p := n.waitPod(t, ns, "live", "Running and Ready", 60*time.Second, runningReady)
	oldID := p.Status.ContainerStatuses[0].ContainerID

	res := n.kubectl(t, "exec", "live", "-n", ns, "--", "touch", "/tmp/unhealthy")
	ok(t, res, "exec touch /tmp/unhealthy")
	// The new container starts on a fresh root filesystem: healthy again.
	p = n.waitPod(t, ns, "live", "a restart by the liveness probe", 60*time.Second, func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount >= 1 && cs[0].ContainerID != oldID && runningReady(p)
	})
	cs := p.Status.ContainerStatuses[0]
	if cs.RestartCount != 1 {
		t.Errorf("restartCount %d, want 1", cs.RestartCount)
	}
	if cs.LastTerminationState.Terminated == nil {
		t.Errorf("lastState %+v, want the killed container's termination", cs.LastTerminationState)
	}
	n.waitEvent(t, ns, "live", "Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500", 10*time.Second)
	n.waitEvent(t, ns, "live", "Normal", "Killing", "Container s failed liveness probe, will be restarted", 10*time.Second)
	if row := n.getPodRow(t, ns, "live"); row != nil && (row[1] != "1/1" || row[2] != "Running" || row[3] != "1") {
		t.Errorf("kubectl get pod: %q, want live 1/1 Running 1 (...)", row)
	}
}

func nodeReadiness(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "readiness")
	pod := serverPod(ns, "ready")
	pod.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
		PeriodSeconds: 1, FailureThreshold: 1, SuccessThreshold: 1, TimeoutSeconds: 1,
	}
	n.createPod(t, pod)
	n.waitPod(t, ns, "ready", "Running and Ready", 60*time.Second, runningReady)
	n.waitStatusColumn(t, ns, "ready", "Running", "1/1", 10*time.Second)

	ok(t, n.kubectl(t, "exec", "ready", "-n", ns, "--", "touch", "/tmp/unhealthy"), "exec touch /tmp/unhealthy")
	n.waitStatusColumn(t, ns, "ready", "Running", "0/1", 30*time.Second)
	p := n.waitPod(t, ns, "ready", "not Ready", 10*time.Second, func(p *corev1.Pod) bool { return !podReady(p) })
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].Ready || cs[0].RestartCount != 0 || cs[0].State.Running == nil {
		t.Errorf("failing readiness: container status %+v, want running, not ready, no restart", cs)
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.ContainersReady && (c.Status != corev1.ConditionFalse || c.Reason != "ContainersNotReady" || c.Message != "containers with unready status: [s]") {
			t.Errorf("ContainersReady condition %+v, want False ContainersNotReady [s]", c)
		}
	}
	n.waitEvent(t, ns, "ready", "Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 500", 10*time.Second)

	ok(t, n.kubectl(t, "exec", "ready", "-n", ns, "--", "rm", "/tmp/unhealthy"), "exec rm /tmp/unhealthy")
	n.waitStatusColumn(t, ns, "ready", "Running", "1/1", 30*time.Second)
	p = n.waitPod(t, ns, "ready", "Ready again", 10*time.Second, podReady)
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].RestartCount != 0 {
		t.Errorf("readiness must never restart the container: %+v", cs)
	}
}

func nodeEnv(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "env")
	ctx := context.Background()
	if _, err := n.CS.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"},
		Data: map[string]string{"color": "blue", "size": "small"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.CS.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec"},
		Data: map[string][]byte{"password": []byte("s3cr3t"), "TOKEN": []byte("tok-123")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := serverPod(ns, "envy")
	c := &pod.Spec.Containers[0]
	c.Env = []corev1.EnvVar{
		{Name: "COLOR", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "color"}}},
		{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}, Key: "password"}}},
		{Name: "GREETING", Value: "hello-$(COLOR)"},
		{Name: "MY_POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "MY_POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
	}
	c.EnvFrom = []corev1.EnvFromSource{
		{Prefix: "CM_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}},
		{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}}},
	}
	n.createPod(t, pod)
	p := n.waitPod(t, ns, "envy", "Running and Ready", 60*time.Second, runningReady)
	want := map[string]string{
		"COLOR": "blue", "PASSWORD": "s3cr3t", "GREETING": "hello-blue", "MY_POD_NAME": "envy", "MY_POD_IP": p.Status.PodIP,
		"CM_color": "blue", "CM_size": "small", "password": "s3cr3t", "TOKEN": "tok-123", "VERSION": "v1",
	}
	// Seen by exec...
	res := n.kubectl(t, "exec", "envy", "-n", ns, "--", "env")
	if ok(t, res, "exec env") {
		got := map[string]string{}
		for _, l := range strings.Split(res.Stdout, "\n") {
			if k, v, found := strings.Cut(l, "="); found {
				got[k] = v
			}
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("exec env: %s=%q, want %q", k, got[k], v)
			}
		}
	}
	// ...and by the server process itself, asked from the host.
	for _, k := range []string{"COLOR", "PASSWORD", "GREETING", "MY_POD_IP", "CM_size", "TOKEN"} {
		code, body, err := httpGet("http://" + net.JoinHostPort(p.Status.PodIP, "8080") + "/env/" + k)
		if err != nil || code != 200 || body != want[k]+"\n" {
			t.Errorf("GET /env/%s = %d %q (%v), want %q", k, code, body, err, want[k])
		}
	}
}

func nodeConfigMapVolume(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "cmvol")
	ctx := context.Background()
	if _, err := n.CS.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "files"},
		Data: map[string]string{"greeting": "hello"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.CS.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds"},
		Data: map[string][]byte{"user": []byte("admin")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := serverPod(ns, "reader")
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "files"}}}},
		{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}},
	}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "cfg", MountPath: "/etc/cfg"}, {Name: "creds", MountPath: "/etc/creds", ReadOnly: true}}
	n.createPod(t, pod)
	p := n.waitPod(t, ns, "reader", "Running and Ready", 60*time.Second, runningReady)
	file := func(path string) string {
		code, body, err := httpGet("http://" + net.JoinHostPort(p.Status.PodIP, "8080") + "/file?path=" + path)
		if err != nil || code != 200 {
			return fmt.Sprintf("<%d %v>", code, err)
		}
		return body
	}
	if got := file("/etc/cfg/greeting"); got != "hello" {
		t.Errorf("configMap volume: /etc/cfg/greeting = %q, want hello", got)
	}
	if got := file("/etc/creds/user"); got != "admin" {
		t.Errorf("secret volume: /etc/creds/user = %q, want admin", got)
	}
	res := n.kubectl(t, "exec", "reader", "-n", ns, "--", "cat", "/etc/cfg/greeting")
	if ok(t, res, "exec cat") && res.Stdout != "hello" {
		t.Errorf("exec cat /etc/cfg/greeting = %q, want hello", res.Stdout)
	}

	// A change to the configMap reaches the running container.
	changed := time.Now()
	res = n.kubectl(t, "patch", "configmap", "files", "-n", ns, "--type", "merge", "-p", `{"data":{"greeting":"bonjour","extra":"new key"}}`)
	if !ok(t, res, "patch configmap") {
		return
	}
	deadline := changed.Add(60 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		if got = file("/etc/cfg/greeting"); got == "bonjour" {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if got != "bonjour" {
		t.Fatalf("configMap volume: /etc/cfg/greeting = %q 60s after the change, want bonjour", got)
	}
	t.Logf("configMap change visible in the container after %s", time.Since(changed).Round(100*time.Millisecond))
	if got := file("/etc/cfg/extra"); got != "new key" {
		t.Errorf("configMap volume: new key /etc/cfg/extra = %q, want %q", got, "new key")
	}
	if cs := n.waitPod(t, ns, "reader", "still running", 5*time.Second, runningReady).Status.ContainerStatuses; cs[0].RestartCount != 0 {
		t.Errorf("a configMap change must not restart the container: restartCount %d", cs[0].RestartCount)
	}
}

func nodeOOM(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "oom")
	pod := busyboxPod(ns, "hog", `x=$(dd if=/dev/zero bs=1M count=200 | tr '\0' a); echo survived`)
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	pod.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")}
	n.createPod(t, pod)
	// The same with restartPolicy Always: the kill shows in lastState.
	again := pod.DeepCopy()
	again.Name, again.Spec.RestartPolicy = "hog-again", corev1.RestartPolicyAlways
	n.createPod(t, again)
	p := n.waitPod(t, ns, "hog", "phase Failed", 60*time.Second, func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Terminated == nil || cs[0].State.Terminated.Reason != "OOMKilled" || cs[0].State.Terminated.ExitCode != 137 {
		t.Errorf("container status %+v, want terminated reason OOMKilled exit code 137", cs)
	}
	if p.Status.QOSClass != corev1.PodQOSBurstable {
		t.Errorf("qosClass %q, want Burstable (a memory limit only)", p.Status.QOSClass)
	}
	if row := n.getPodRow(t, ns, "hog"); row != nil && (row[1] != "0/1" || row[2] != "OOMKilled") {
		t.Errorf("kubectl get pod: %q, want hog 0/1 OOMKilled", row)
	}
	res := n.kubectl(t, "logs", "hog", "-n", ns)
	if ok(t, res, "logs (oom)") && strings.Contains(res.Out, "survived") {
		t.Errorf("the container survived its memory limit: %s", res)
	}
	p = n.waitPod(t, ns, "hog-again", "restarted after an OOM kill", 60*time.Second, func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount >= 1 && cs[0].LastTerminationState.Terminated != nil
	})
	if last := p.Status.ContainerStatuses[0].LastTerminationState.Terminated; last.Reason != "OOMKilled" || last.ExitCode != 137 {
		t.Errorf("hog-again: lastState.terminated reason %q exit %d, want OOMKilled 137", last.Reason, last.ExitCode)
	}
	if p.Status.Phase != corev1.PodRunning {
		t.Errorf("hog-again: phase %s, want Running (restartPolicy Always)", p.Status.Phase)
	}
}

func nodePreStop(t *testing.T, n *nodeUp, dir string) {
	ns := n.namespace(t, "prestop")
	hostDir := filepath.Join(dir, "prestop-host")
	if err := os.MkdirAll(hostDir, 0o755); err != nil {
		t.Fatal(err)
	}
	pod := busyboxPod(ns, "stubborn", "")
	pod.Spec.TerminationGracePeriodSeconds = int64p(3)
	hostPathType := corev1.HostPathDirectory
	pod.Spec.Volumes = []corev1.Volume{{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: hostDir, Type: &hostPathType}}}}
	c := &pod.Spec.Containers[0]
	c.Command = []string{"sleep", "3600"} // PID 1 without a SIGTERM handler: SIGTERM does nothing
	c.VolumeMounts = []corev1.VolumeMount{{Name: "host", MountPath: "/host"}}
	c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "echo prestop-ran > /host/prestop"}}}}
	n.createPod(t, pod)
	n.waitPod(t, ns, "stubborn", "Running", 60*time.Second, func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })

	start := time.Now()
	res := n.kubectl(t, "delete", "pod", "stubborn", "-n", ns, "--wait=false")
	if !ok(t, res, "delete --wait=false") {
		return
	}
	if row := n.getPodRow(t, ns, "stubborn"); row != nil && row[2] != "Terminating" {
		t.Errorf("kubectl get pod during the grace period: STATUS %q, want Terminating (row %q)", row[2], row)
	}
	n.waitGone(t, ns, "stubborn", 30*time.Second)
	took := time.Since(start)
	t.Logf("deletion with terminationGracePeriodSeconds 3 took %s", took.Round(10*time.Millisecond))
	if took < 3*time.Second || took >= 15*time.Second {
		t.Errorf("deleting a pod whose container ignores SIGTERM took %s, want ≥ 3s (the grace period) and < 15s", took)
	}
	data, err := os.ReadFile(filepath.Join(hostDir, "prestop"))
	if err != nil || string(data) != "prestop-ran\n" {
		t.Errorf("preStop hook output on the hostPath volume: %q (%v), want prestop-ran", data, err)
	}
	n.waitEvent(t, ns, "stubborn", "Normal", "Killing", "Stopping container c", 10*time.Second)
}

func nodeTerminationMessage(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "termmsg")
	never := func(p *corev1.Pod) *corev1.Pod { p.Spec.RestartPolicy = corev1.RestartPolicyNever; return p }
	n.createPod(t, never(busyboxPod(ns, "failing", `printf 'disk on fire' > /dev/termination-log; echo some output; exit 1`)))
	custom := never(busyboxPod(ns, "done", `echo -n 'all good' > /tmp/custom-msg; exit 0`))
	custom.Spec.Containers[0].TerminationMessagePath = "/tmp/custom-msg"
	n.createPod(t, custom)
	fallback := never(busyboxPod(ns, "fallback", `echo first line; echo last words; exit 2`))
	fallback.Spec.Containers[0].TerminationMessagePolicy = corev1.TerminationMessageFallbackToLogsOnError
	n.createPod(t, fallback)

	terminated := func(p *corev1.Pod) bool {
		return isTerminalPhase(p.Status.Phase) && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Terminated != nil
	}
	check := func(name string, phase corev1.PodPhase, exit int32, reason, msg, status string) {
		p := n.waitPod(t, ns, name, "a terminal phase", 60*time.Second, terminated)
		term := p.Status.ContainerStatuses[0].State.Terminated
		if p.Status.Phase != phase || term.ExitCode != exit || term.Reason != reason || term.Message != msg {
			t.Errorf("pod %s: phase %s, terminated exit %d reason %q message %q; want %s, %d %q %q", name, p.Status.Phase, term.ExitCode, term.Reason, term.Message, phase, exit, reason, msg)
		}
		if row := n.getPodRow(t, ns, name); row != nil && (row[1] != "0/1" || row[2] != status) {
			t.Errorf("kubectl get pod %s: %q, want 0/1 %s", name, row, status)
		}
	}
	check("failing", corev1.PodFailed, 1, "Error", "disk on fire", "Error")
	check("done", corev1.PodSucceeded, 0, "Completed", "all good", "Completed")
	check("fallback", corev1.PodFailed, 2, "Error", "first line\nlast words\n", "Error")
	res := n.kubectl(t, "get", "pod", "failing", "-n", ns, "-o", "jsonpath={.status.containerStatuses[0].state.terminated.message}")
	if ok(t, res, "jsonpath message") && res.Stdout != "disk on fire" {
		t.Errorf("jsonpath terminated.message = %q", res.Stdout)
	}
}

func isTerminalPhase(p corev1.PodPhase) bool {
	return p == corev1.PodSucceeded || p == corev1.PodFailed
}

func nodePodToPod(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "net")
	n.createPod(t, serverPod(ns, "srv"))
	n.createPod(t, busyboxPod(ns, "client", sleepScript))
	srv := n.waitPod(t, ns, "srv", "Running and Ready", 60*time.Second, runningReady)
	client := n.waitPod(t, ns, "client", "Running and Ready", 60*time.Second, runningReady)
	if srv.Status.PodIP == client.Status.PodIP {
		t.Fatalf("two pods share IP %s", srv.Status.PodIP)
	}
	url := "http://" + net.JoinHostPort(srv.Status.PodIP, "8080")
	res := n.kubectl(t, "exec", "client", "-n", ns, "--", "timeout", "5", "wget", "-qO-", url+"/")
	if ok(t, res, "wget from client to srv") && res.Stdout != "srv\n" {
		t.Errorf("client → srv: got %q, want %q", res.Stdout, "srv\n")
	}
	res = n.kubectl(t, "exec", "client", "-n", ns, "--", "timeout", "5", "wget", "-qO-", url+"/env/VERSION")
	if ok(t, res, "wget /env/VERSION") && res.Stdout != "v1\n" {
		t.Errorf("client → srv /env/VERSION: got %q, want v1", res.Stdout)
	}
	// The client's own address, as the pod sees it, is its podIP.
	res = n.kubectl(t, "exec", "client", "-n", ns, "--", "sh", "-c", "ip -4 -o addr show dev eth0")
	if ok(t, res, "ip addr") && !strings.Contains(res.Stdout, " "+client.Status.PodIP+"/") {
		t.Errorf("client's eth0 %q lacks its podIP %s", res.Stdout, client.Status.PodIP)
	}
	// /etc/hosts names the pod.
	res = n.kubectl(t, "exec", "client", "-n", ns, "--", "cat", "/etc/hosts")
	if ok(t, res, "cat /etc/hosts") && !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(client.Status.PodIP)+`\s+client$`).MatchString(res.Stdout) {
		t.Errorf("/etc/hosts has no line %q:\n%s", client.Status.PodIP+"\tclient", res.Stdout)
	}
}

func nodeDeleteCleanup(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "delete")
	ctx := context.Background()
	if _, err := n.CS.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"},
		Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := busyboxPod(ns, "doomed", "echo hi > /scratch/file; "+sleepScript)
	pod.Spec.TerminationGracePeriodSeconds = int64p(30) // the container exits on SIGTERM: deletion must not wait 30s
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}}},
	}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "scratch", MountPath: "/scratch"}, {Name: "cm", MountPath: "/cm"}}
	p := n.createPod(t, pod)
	n.waitPod(t, ns, "doomed", "Running and Ready", 60*time.Second, runningReady)
	uid := p.UID

	sbs, cs := n.runtimeObjects(t, uid)
	if len(sbs) != 1 || len(cs) != 1 {
		t.Fatalf("runtime has %d sandboxes and %d containers for the pod, want 1 and 1", len(sbs), len(cs))
	}
	netns := n.sandboxNetNS(t, sbs[0].Id)
	podDir := filepath.Join(n.AgentDir, "pods", string(uid))
	logDir := filepath.Join(n.AgentDir, "logs", ns+"_doomed_"+string(uid))
	cgroups := podCgroups(uid)
	for _, path := range []string{netns, podDir, logDir} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("before deletion: %v", err)
		}
	}
	if !strings.HasPrefix(netns, "/var/run/netns/cni-") {
		t.Errorf("sandbox network namespace %q, want /var/run/netns/cni-*", netns)
	}
	if len(cgroups) == 0 {
		t.Errorf("before deletion: no pod cgroup pod%s under /sys/fs/cgroup/*/kubepods", uid)
	}
	emptyDirFile := filepath.Join(podDir, "volumes", "kubernetes.io~empty-dir", "scratch", "file")
	if data, err := os.ReadFile(emptyDirFile); err != nil || string(data) != "hi\n" {
		t.Logf("note: the emptyDir is not at upstream's path %s (%v)", emptyDirFile, err)
	}

	start := time.Now()
	res := n.kubectl(t, "delete", "pod", "doomed", "-n", ns, "--timeout=60s")
	took := time.Since(start)
	if ok(t, res, "delete pod") {
		expectMatch(t, "delete pod", res.Out, []string{`pod "doomed" deleted`})
	}
	if took > 10*time.Second {
		t.Errorf("deleting a pod whose container exits on SIGTERM took %s (grace period 30s): the kubelet waited for nothing", took)
	}
	// The kubelet cleans up before its final delete: nothing may be left.
	sbs, cs = n.runtimeObjects(t, uid)
	if len(sbs) != 0 || len(cs) != 0 {
		t.Errorf("after deletion: %d sandboxes and %d containers of the pod remain in containerd", len(sbs), len(cs))
	}
	for _, path := range []string{netns, podDir, logDir} {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("after deletion: %s still exists (%v)", path, err)
		}
	}
	if left := podCgroups(uid); len(left) > 0 {
		t.Errorf("after deletion: pod cgroups remain: %v", left)
	}
	if mounts, err := os.ReadFile("/proc/self/mountinfo"); err == nil && strings.Contains(string(mounts), string(uid)) {
		t.Errorf("after deletion: a mount of the pod remains:\n%s", grepLines(string(mounts), string(uid)))
	}
}

// podCgroups lists the cgroup directories of a pod in every hierarchy.
func podCgroups(uid types.UID) []string {
	var out []string
	for _, pattern := range []string{"/sys/fs/cgroup/*/kubepods/pod" + string(uid), "/sys/fs/cgroup/*/kubepods/*/pod" + string(uid),
		"/sys/fs/cgroup/kubepods/pod" + string(uid), "/sys/fs/cgroup/kubepods/*/pod" + string(uid)} {
		m, _ := filepath.Glob(pattern)
		out = append(out, m...)
	}
	sort.Strings(out)
	return out
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func nodeHostNetwork(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "hostnet")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	pod := serverPod(ns, "onhost")
	pod.Spec.HostNetwork = true
	c := &pod.Spec.Containers[0]
	c.Env = []corev1.EnvVar{{Name: "PORT", Value: strconv.Itoa(port)}}
	c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: int32(port), HostPort: int32(port)}}
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}, PeriodSeconds: 1}
	n.createPod(t, pod)
	p := n.waitPod(t, ns, "onhost", "Running and Ready", 60*time.Second, runningReady)
	if p.Status.PodIP != p.Status.HostIP {
		t.Errorf("hostNetwork pod: podIP %q, want the node's IP %q", p.Status.PodIP, p.Status.HostIP)
	}
	hostname, _ := os.Hostname()
	body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 10*time.Second)
	if body != hostname+"\n" {
		t.Errorf("hostNetwork pod's hostname %q, want the node's %q", body, hostname)
	}
}

// nodeStatusCreating: ContainerCreating while a volume cannot be set up.
func nodeStatusCreating(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "st-creating")
	ctx := context.Background()
	// A configMap volume whose configMap does not exist yet keeps the pod
	// from starting.
	pod := serverPod(ns, "creating")
	pod.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "later"}}}}}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "cfg", MountPath: "/etc/cfg"}}
	n.createPod(t, pod)
	n.waitStatusColumn(t, ns, "creating", "ContainerCreating", "0/1", 30*time.Second)
	n.waitEvent(t, ns, "creating", "Warning", "FailedMount", `configmap "later" not found`, 30*time.Second)
	p := n.waitPod(t, ns, "creating", "Pending", 5*time.Second, func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodPending })
	if cs := p.Status.ContainerStatuses; len(cs) == 1 && (cs[0].State.Waiting == nil || cs[0].State.Waiting.Reason != "ContainerCreating") {
		t.Errorf("container waiting on a volume: state %+v, want waiting ContainerCreating", cs[0].State)
	}
	if _, err := n.CS.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "later"}, Data: map[string]string{"a": "b"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	n.waitPod(t, ns, "creating", "Running once its configMap exists", 60*time.Second, runningReady)
}

// nodeStatusInit: Init:0/1 while an init container runs or cannot start
// yet, Init:CrashLoopBackOff when it fails, Running after it succeeded.
func nodeStatusInit(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "st-init")
	// An init container waiting for a file.
	initPod := busyboxPod(ns, "initing", sleepScript)
	initPod.Spec.InitContainers = []corev1.Container{{
		Name: "wait", Image: "orca.local/busybox:1", ImagePullPolicy: corev1.PullNever,
		Command: []string{"sh", "-c", "trap 'exit 1' TERM; while [ ! -f /tmp/go ]; do sleep 0.1; done"},
	}}
	n.createPod(t, initPod)
	// An init container that cannot start (a missing volume): upstream
	// reports every container waiting PodInitializing.
	blocked := busyboxPod(ns, "init-blocked", sleepScript)
	blocked.Spec.InitContainers = []corev1.Container{{Name: "first", Image: "orca.local/busybox:1", ImagePullPolicy: corev1.PullNever, Command: []string{"true"}}}
	blocked.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}}}}}
	blocked.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "cfg", MountPath: "/etc/cfg"}}
	n.createPod(t, blocked)
	// A failing init container is retried with back-off.
	initFail := busyboxPod(ns, "init-fails", sleepScript)
	initFail.Spec.InitContainers = []corev1.Container{{Name: "boom", Image: "orca.local/busybox:1", ImagePullPolicy: corev1.PullNever, Command: []string{"sh", "-c", "exit 3"}}}
	n.createPod(t, initFail)

	n.waitStatusColumn(t, ns, "initing", "Init:0/1", "0/1", 30*time.Second)
	p := n.waitPod(t, ns, "initing", "init container running", 10*time.Second, func(p *corev1.Pod) bool {
		return len(p.Status.InitContainerStatuses) == 1 && p.Status.InitContainerStatuses[0].State.Running != nil
	})
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Waiting == nil || cs[0].State.Waiting.Reason != "PodInitializing" {
		t.Errorf("app container while init runs: %+v, want waiting PodInitializing", cs)
	}
	if p.Status.Phase != corev1.PodPending {
		t.Errorf("phase while init runs: %s, want Pending", p.Status.Phase)
	}
	ok(t, n.kubectl(t, "exec", "initing", "-n", ns, "-c", "wait", "--", "touch", "/tmp/go"), "exec into the init container")
	p = n.waitPod(t, ns, "initing", "Running after init", 60*time.Second, runningReady)
	if ics := p.Status.InitContainerStatuses; len(ics) != 1 || ics[0].State.Terminated == nil || ics[0].State.Terminated.Reason != "Completed" || ics[0].State.Terminated.ExitCode != 0 {
		t.Errorf("init container status after success: %+v, want terminated Completed 0", ics)
	}
	if row := n.getPodRow(t, ns, "initing"); row != nil && (row[1] != "1/1" || row[2] != "Running") {
		t.Errorf("kubectl get pod initing after init: %q, want 1/1 Running", row)
	}

	n.waitStatusColumn(t, ns, "init-blocked", "Init:0/1", "0/1", 30*time.Second)
	p = n.waitPod(t, ns, "init-blocked", "statuses reported", 10*time.Second, func(p *corev1.Pod) bool {
		return len(p.Status.InitContainerStatuses) == 1 && len(p.Status.ContainerStatuses) == 1
	})
	for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "PodInitializing" {
			t.Errorf("init-blocked: container %s state %+v, want waiting PodInitializing (upstream's default for pods with init containers)", cs.Name, cs.State)
		}
	}

	n.waitStatusColumn(t, ns, "init-fails", "Init:CrashLoopBackOff", "0/1", 30*time.Second)
	p = n.waitPod(t, ns, "init-fails", "init status", 5*time.Second, func(p *corev1.Pod) bool { return len(p.Status.InitContainerStatuses) == 1 })
	if ics := p.Status.InitContainerStatuses[0]; ics.RestartCount < 1 || ics.LastTerminationState.Terminated == nil || ics.LastTerminationState.Terminated.ExitCode != 3 {
		t.Errorf("init-fails: init container status %+v, want restarts and lastState exit 3", ics)
	}
	if p.Status.Phase != corev1.PodPending {
		t.Errorf("init-fails: phase %s, want Pending", p.Status.Phase)
	}
}

// nodeStatusErrors: containers that cannot be created, with upstream's
// waiting reasons.
func nodeStatusErrors(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "st-errors")
	pullFails := busyboxPod(ns, "pull-fails", sleepScript)
	pullFails.Spec.Containers[0].Image = "127.0.0.1:1/nothing-listens-here:1"
	pullFails.Spec.Containers[0].ImagePullPolicy = corev1.PullIfNotPresent
	n.createPod(t, pullFails)
	neverPull := busyboxPod(ns, "never-pull", sleepScript)
	neverPull.Spec.Containers[0].Image = "orca.local/not-imported:1"
	n.createPod(t, neverPull)
	badEnv := busyboxPod(ns, "bad-env", sleepScript)
	badEnv.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Key: "k"}}}}
	n.createPod(t, badEnv)

	// A failed pull is reported, then the pull waits (ImagePullBackOff).
	// ErrImagePull itself is not polled for: orca's kubelet re-syncs on the
	// echo of its own status write and moves on to ImagePullBackOff within
	// milliseconds (upstream shows ErrImagePull until its next sync).
	n.waitEvent(t, ns, "pull-fails", "Warning", "Failed", `Failed to pull image "127.0.0.1:1/nothing-listens-here:1": `, 30*time.Second)
	n.waitEvent(t, ns, "pull-fails", "Warning", "Failed", "Error: ErrImagePull", 10*time.Second)
	n.waitStatusColumn(t, ns, "pull-fails", "ImagePullBackOff", "0/1", 30*time.Second)
	n.waitEvent(t, ns, "pull-fails", "Normal", "BackOff", `Back-off pulling image "127.0.0.1:1/nothing-listens-here:1"`, 10*time.Second)

	n.waitStatusColumn(t, ns, "never-pull", "ErrImageNeverPull", "0/1", 30*time.Second)
	n.waitEvent(t, ns, "never-pull", "Warning", "ErrImageNeverPull", `Container image "orca.local/not-imported:1" is not present with pull policy of Never`, 10*time.Second)

	n.waitStatusColumn(t, ns, "bad-env", "CreateContainerConfigError", "0/1", 30*time.Second)
	p := n.waitPod(t, ns, "bad-env", "waiting message", 5*time.Second, func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil
	})
	if w := p.Status.ContainerStatuses[0].State.Waiting; w.Message != `configmap "absent" not found` {
		t.Errorf("bad-env: waiting message %q, want upstream's %q", w.Message, `configmap "absent" not found`)
	}
}

func nodeContainerdRestart(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "ctd-restart")
	n.createPod(t, serverPod(ns, "survivor"))
	before := n.waitPod(t, ns, "survivor", "Running and Ready", 60*time.Second, runningReady)
	id := before.Status.ContainerStatuses[0].ContainerID
	url := "http://" + net.JoinHostPort(before.Status.PodIP, "8080") + "/"

	old := n.containerdPID()
	if old == 0 {
		t.Fatalf("no containerd child of orca up (pid %d) found", n.PID())
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatalf("kill containerd (pid %d): %v", old, err)
	}
	killed := time.Now()
	// The pod keeps serving while containerd is away.
	if code, body, err := httpGet(url); err != nil || code != 200 || body != "survivor\n" {
		t.Errorf("pod while containerd is down: %d %q %v", code, body, err)
	}
	var cur int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cur = n.containerdPID(); cur != 0 && cur != old {
			break
		}
	}
	if cur == 0 || cur == old {
		t.Fatalf("the agent did not restart containerd within 30s (old pid %d, now %d)", old, cur)
	}
	t.Logf("containerd restarted by the agent: pid %d → %d in %s", old, cur, time.Since(killed).Round(time.Millisecond))

	// The node works: a new pod runs...
	n.createPod(t, serverPod(ns, "newcomer"))
	n.waitPod(t, ns, "newcomer", "Running and Ready (after the containerd restart)", 60*time.Second, runningReady)
	// ...and the old one was left alone.
	after := n.waitPod(t, ns, "survivor", "Running and Ready", 10*time.Second, runningReady)
	cs := after.Status.ContainerStatuses[0]
	if cs.ContainerID != id || cs.RestartCount != 0 || after.Status.PodIP != before.Status.PodIP {
		t.Errorf("after the containerd restart: containerID %s restartCount %d podIP %s; want %s, 0, %s", cs.ContainerID, cs.RestartCount, after.Status.PodIP, id, before.Status.PodIP)
	}
	if sbs, ctrs := n.runtimeObjects(t, before.UID); len(sbs) != 1 || len(ctrs) != 1 {
		t.Errorf("after the containerd restart the pod has %d sandboxes and %d containers, want 1 and 1", len(sbs), len(ctrs))
	}
	if code, body, err := httpGet(url); err != nil || code != 200 || body != "survivor\n" {
		t.Errorf("pod after the containerd restart: %d %q %v", code, body, err)
	}
	res := n.kubectl(t, "exec", "survivor", "-n", ns, "--", "hostname")
	if ok(t, res, "exec after containerd restart") && res.Stdout != "survivor\n" {
		t.Errorf("exec hostname after containerd restart: %q", res.Stdout)
	}
	res = n.kubectl(t, "logs", "survivor", "-n", ns)
	if ok(t, res, "logs after containerd restart") && !strings.Contains(res.Out, "listening on :8080") {
		t.Errorf("logs after containerd restart: %q lacks the server's first line", res.Out)
	}
	if err := n.waitNodeReady(t, 10*time.Second); err != nil {
		t.Error(err)
	}
}

func nodeAgentRestart(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "agent-restart")
	n.createPod(t, serverPod(ns, "steady"))
	n.createPod(t, busyboxPod(ns, "counter", "echo started; "+sleepScript))
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	holder, clash := serverPod(ns, "port-holder"), serverPod(ns, "port-clash")
	holder.Spec.Containers[0].Ports[0].HostPort = int32(port)
	clash.Spec.Containers[0].Ports[0].HostPort = int32(port)
	n.createPod(t, holder)
	before := n.waitPod(t, ns, "steady", "Running and Ready", 60*time.Second, runningReady)
	n.waitPod(t, ns, "counter", "Running and Ready", 60*time.Second, runningReady)
	n.waitPod(t, ns, "port-holder", "Running and Ready", 60*time.Second, runningReady)
	n.createPod(t, clash)
	n.waitEvent(t, ns, "port-clash", corev1.EventTypeWarning, "FailedScheduling", "didn't have free ports for the requested pod ports", 30*time.Second)
	id := before.Status.ContainerStatuses[0].ContainerID
	url := "http://" + net.JoinHostPort(before.Status.PodIP, "8080") + "/"
	ctrBefore := n.ctrContainers(t)

	stopStart := time.Now()
	if err := n.Stop(); err != nil {
		t.Fatalf("stop orca up: %v", err)
	}
	t.Logf("orca up stopped (SIGTERM) in %s", time.Since(stopStart).Round(time.Millisecond))
	// Containers outlive the agent.
	if code, body, err := httpGet(url); err != nil || code != 200 || body != "steady\n" {
		t.Errorf("pod while orca up is stopped: %d %q %v", code, body, err)
	}
	if err := n.Start(); err != nil {
		t.Fatalf("start orca up again: %v\n%s", err, n.LogTail(60))
	}
	if err := n.waitNodeReady(t, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("orca up (pid %d) back in %s", n.PID(), time.Since(stopStart).Round(time.Millisecond))

	// A pod created now proves the new kubelet syncs; the old ones must be
	// adopted, not restarted or duplicated. It is bound to the node
	// directly: the scheduler is checked below.
	newPod := serverPod(ns, "after")
	newPod.Spec.NodeName = n.Node
	n.createPod(t, newPod)
	afterPod := n.waitPod(t, ns, "after", "Running and Ready (after the restart)", 60*time.Second, runningReady)
	t.Logf("a new pod ran %s after the restart", time.Since(stopStart).Round(time.Millisecond))
	after := n.waitPod(t, ns, "steady", "Running and Ready", 10*time.Second, runningReady)
	cs := after.Status.ContainerStatuses[0]
	if cs.ContainerID != id || cs.RestartCount != 0 {
		t.Errorf("after the agent restart: containerID %s restartCount %d, want %s and 0", cs.ContainerID, cs.RestartCount, id)
	}
	if sbs, ctrs := n.runtimeObjects(t, before.UID); len(sbs) != 1 || len(ctrs) != 1 {
		t.Errorf("after the agent restart the pod has %d sandboxes and %d containers, want 1 and 1", len(sbs), len(ctrs))
	}
	n.checkOnlyNewRuntimeObjects(t, ctrBefore, afterPod.UID)
	seen := map[string]bool{}
	for _, c := range ctrBefore {
		seen[c] = true
	}
	if !seen[strings.TrimPrefix(id, "containerd://")] {
		t.Errorf("ctr containers ls before the restart lacks the pod's container %s", id)
	}
	if code, body, err := httpGet(url); err != nil || code != 200 || body != "steady\n" {
		t.Errorf("pod after the agent restart: %d %q %v", code, body, err)
	}
	res := n.kubectl(t, "logs", "counter", "-n", ns)
	if ok(t, res, "logs after agent restart") {
		expectLines(t, "logs after agent restart", res, "started")
	}
	if c := n.waitPod(t, ns, "counter", "Running", 5*time.Second, runningReady).Status.ContainerStatuses[0]; c.RestartCount != 0 {
		t.Errorf("busybox pod restarted across the agent restart: restartCount %d", c.RestartCount)
	}
	// The restarted scheduler schedules at once (the stopped process gave
	// its lease back), and its fresh cache still counts the host port the
	// holder took before the restart: the clash pod, queued before the new
	// pod, has been tried again by the time the new pod runs, and must
	// still be unbound.
	scheduledStart := time.Now()
	n.createPod(t, serverPod(ns, "scheduled-after"))
	n.waitPod(t, ns, "scheduled-after", "scheduled and Running after the restart", 30*time.Second, runningReady)
	t.Logf("a pod was scheduled and running %s after its creation, after the restart", time.Since(scheduledStart).Round(time.Millisecond))
	if p, err := n.CS.CoreV1().Pods(ns).Get(context.Background(), "port-clash", metav1.GetOptions{}); err != nil {
		t.Error(err)
	} else if p.Spec.NodeName != "" {
		t.Errorf("after the restart the pod wanting the taken host port %d was bound to %q; want it pending", port, p.Spec.NodeName)
	}

	// The restarted kubelet still deletes pods properly.
	res = n.kubectl(t, "delete", "pod", "counter", "-n", ns, "--timeout=60s")
	ok(t, res, "delete after agent restart")
	if sbs, ctrs := n.runtimeObjects(t, n.podUID(t, ns, "steady")); len(sbs) != 1 || len(ctrs) != 1 {
		t.Errorf("deleting another pod disturbed steady: %d sandboxes, %d containers", len(sbs), len(ctrs))
	}
}

// checkOnlyNewRuntimeObjects: since before, containerd gained only the
// sandbox and containers of the pod with UID fresh, and restarts (attempt
// > 0) of crash-looping containers of the other subtests' pods: no pod got
// a second sandbox or a duplicate container from the restarted kubelet.
func (n *nodeUp) checkOnlyNewRuntimeObjects(t *testing.T, before []string, fresh types.UID) {
	t.Helper()
	old := map[string]bool{}
	for _, id := range before {
		old[id] = true
	}
	rt := n.cri(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sbs, err := rt.ListPodSandbox(ctx, nil)
	if err != nil {
		t.Fatalf("CRI ListPodSandbox: %v", err)
	}
	for _, sb := range sbs {
		if !old[sb.Id] && sb.Labels["io.kubernetes.pod.uid"] != string(fresh) {
			t.Errorf("a new sandbox %s for pod %s/%s appeared across the agent restart", sb.Id, sb.Metadata.Namespace, sb.Metadata.Name)
		}
	}
	cs, err := rt.ListContainers(ctx, nil)
	if err != nil {
		t.Fatalf("CRI ListContainers: %v", err)
	}
	for _, c := range cs {
		if !old[c.Id] && c.Labels["io.kubernetes.pod.uid"] != string(fresh) && c.Metadata.Attempt == 0 {
			t.Errorf("a new first-attempt container %s (%s of pod uid %s) appeared across the agent restart", c.Id, c.Metadata.Name, c.Labels["io.kubernetes.pod.uid"])
		}
	}
}

func (n *nodeUp) podUID(t *testing.T, ns, name string) types.UID {
	t.Helper()
	p, err := n.CS.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p.UID
}

func nodeSidecar(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "sidecar")
	pod := busyboxPod(ns, "with-sidecar", "timeout 5 wget -qO- http://127.0.0.1:8080/env/VERSION; "+sleepScript)
	always := corev1.ContainerRestartPolicyAlways
	side := serverPod(ns, "").Spec.Containers[0]
	side.Name = "proxy"
	side.RestartPolicy = &always
	side.StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1}
	pod.Spec.InitContainers = []corev1.Container{side}
	n.createPod(t, pod)
	p := n.waitPod(t, ns, "with-sidecar", "Running and Ready", 60*time.Second, runningReady)
	if ics := p.Status.InitContainerStatuses; len(ics) != 1 || ics[0].State.Running == nil || !ics[0].Ready || ics[0].Started == nil || !*ics[0].Started {
		t.Errorf("sidecar status %+v, want running, started and ready", ics)
	}
	if row := n.getPodRow(t, ns, "with-sidecar"); row != nil && (row[1] != "2/2" || row[2] != "Running") {
		t.Errorf("kubectl get pod with a sidecar: %q, want 2/2 Running", row)
	}
	// The app container started only once the sidecar's startup probe passed:
	// its first request reached the sidecar.
	res := n.kubectl(t, "logs", "with-sidecar", "-n", ns, "-c", "c")
	if ok(t, res, "logs of the app container") {
		expectLines(t, "logs of the app container", res, "v1")
	}
}

func nodePortForward(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "portfwd")
	n.createPod(t, serverPod(ns, "pf"))
	n.waitPod(t, ns, "pf", "Running and Ready", 60*time.Second, runningReady)
	cmd := exec.Command(orcaBin, "kubectl", "port-forward", "pod/pf", "-n", ns, ":8080")
	cmd.Env = envWith(n.K.env)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck
		cmd.Wait()                                     //nolint:errcheck
	}()
	ports := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> 8080$`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				ports <- m[1]
			}
		}
	}()
	var port string
	select {
	case port = <-ports:
	case <-time.After(20 * time.Second):
		t.Fatalf("kubectl port-forward printed no local port within 20s; stderr: %s", stderr.String())
	}
	for i := 0; i < 3; i++ { // each request is a new stream over the same connection
		code, body, err := httpGet("http://127.0.0.1:" + port + "/")
		if err != nil || code != 200 || body != "pf\n" {
			t.Errorf("GET / through port-forward: %d %q %v (stderr: %s)", code, body, err, stderr.String())
		}
	}
}

// nodeIPReuse: a pod that gets an IP an earlier pod had is reachable from
// the host at once, even though the host still has the old pod's MAC in its
// neighbor table (it keeps such entries indefinitely; the IP range wraps
// around). The test plants bogus STALE entries for the next free IPs, the
// way a deleted pod leaves them.
func nodeIPReuse(t *testing.T, n *nodeUp) {
	if _, err := exec.LookPath("ip"); err != nil {
		requirePrereq(t, "iproute2's ip command is needed to plant neighbor entries: %v", err)
	}
	ns := n.namespace(t, "ip-reuse")
	// host-local writes its last reserved IP with the node's first pod:
	// make sure there was one (this subtest may run alone).
	n.createPod(t, busyboxPod(ns, "seed", sleepScript))
	n.waitPod(t, ns, "seed", "Running", 60*time.Second, runningReady)
	node, err := n.CS.CoreV1().Nodes().Get(context.Background(), n.Node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, cidr, err := net.ParseCIDR(node.Spec.PodCIDR)
	if err != nil || cidr.IP.To4() == nil {
		t.Fatalf("node podCIDR %q: %v", node.Spec.PodCIDR, err)
	}
	// host-local (the CNI IPAM orca configures, network "orca") allocates
	// sequentially after the last reserved IP and records leases as files.
	ipamDir := filepath.Join(n.AgentDir, "cni", "networks", "orca") // host-local's dataDir, per agent
	planted := map[string]string{}                                  // IP → bogus MAC
	t.Cleanup(func() {
		for ip, mac := range planted {
			out, _ := exec.Command("ip", "neigh", "show", ip, "dev", "orca0").Output()
			if strings.Contains(string(out), mac) {
				exec.Command("ip", "neigh", "del", ip, "dev", "orca0").Run() //nolint:errcheck
			}
		}
	})
	plant := func() {
		last, err := os.ReadFile(filepath.Join(ipamDir, "last_reserved_ip.0"))
		if err != nil {
			t.Fatalf("host-local's last reserved IP: %v", err)
		}
		ip := net.ParseIP(strings.TrimSpace(string(last))).To4()
		if ip == nil || !cidr.Contains(ip) {
			t.Fatalf("last reserved IP %q is not in the pod CIDR %s", last, cidr)
		}
		for tries := 0; len(planted) < 8 && tries < 64; tries++ {
			ip[3]++
			if ip[3] == 0 || ip[3] == 255 {
				ip[3] = 2
			}
			if _, err := os.Stat(filepath.Join(ipamDir, ip.String())); err == nil {
				continue // in use (by this or another cluster on the host)
			}
			mac := fmt.Sprintf("02:00:5e:%02x:%02x:%02x", ip[1], ip[2], ip[3])
			if out, err := exec.Command("ip", "neigh", "replace", ip.String(), "lladdr", mac, "dev", "orca0", "nud", "stale").CombinedOutput(); err != nil {
				t.Fatalf("plant a neighbor entry: %v: %s", err, out)
			}
			planted[ip.String()] = mac
		}
	}
	for attempt := 1; attempt <= 3; attempt++ {
		plant()
		name := fmt.Sprintf("reuser-%d", attempt)
		n.createPod(t, serverPod(ns, name))
		p := n.waitPod(t, ns, name, "Running and Ready", 60*time.Second, runningReady)
		if _, ok := planted[p.Status.PodIP]; !ok {
			t.Logf("pod got %s, not one of the IPs with a planted entry %v (another cluster allocated meanwhile?); again", p.Status.PodIP, planted)
			continue
		}
		start := time.Now()
		code, body, err := httpGet("http://" + net.JoinHostPort(p.Status.PodIP, "8080") + "/")
		if err != nil || code != 200 || body != name+"\n" {
			out, _ := exec.Command("ip", "neigh", "show", p.Status.PodIP, "dev", "orca0").Output()
			t.Errorf("host → new pod at reused IP %s: %d %q %v after %s (neighbor entry now: %s); the host still sends to the previous owner's MAC",
				p.Status.PodIP, code, body, err, time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
		}
		return
	}
	t.Fatalf("three pods in a row got IPs other than the ones planted: cannot test IP reuse on this host")
}

// nodeImageUpdate: a new image on a running pod restarts the container
// with it, in the same sandbox.
func nodeImageUpdate(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "image-update")
	n.createPod(t, serverPod(ns, "upd"))
	before := n.waitPod(t, ns, "upd", "Running and Ready", 60*time.Second, runningReady)
	oldID := before.Status.ContainerStatuses[0].ContainerID
	res := n.kubectl(t, "set", "image", "pod/upd", "s=orca.local/server:v2", "-n", ns)
	if !ok(t, res, "set image") {
		return
	}
	p := n.waitPod(t, ns, "upd", "running the new image", 60*time.Second, func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].ContainerID != oldID && cs[0].Image == "orca.local/server:v2" && runningReady(p)
	})
	if cs := p.Status.ContainerStatuses[0]; cs.RestartCount != 1 || p.Status.PodIP != before.Status.PodIP {
		t.Errorf("after the image change: restartCount %d podIP %s, want 1 and the same IP %s", cs.RestartCount, p.Status.PodIP, before.Status.PodIP)
	}
	if code, body, err := httpGet("http://" + net.JoinHostPort(p.Status.PodIP, "8080") + "/env/VERSION"); err != nil || code != 200 || body != "v2\n" {
		t.Errorf("GET /env/VERSION after the image change: %d %q %v, want v2", code, body, err)
	}
	n.waitEvent(t, ns, "upd", "Normal", "Killing", "Container s definition changed, will be restarted", 10*time.Second)
}

// nodeForceDelete: a pod removed from the API at once (--force
// --grace-period=0) still has its containers killed and removed.
func nodeForceDelete(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "force")
	pod := busyboxPod(ns, "forced", "")
	pod.Spec.TerminationGracePeriodSeconds = int64p(30)
	pod.Spec.Containers[0].Command = []string{"sleep", "3600"} // ignores SIGTERM
	p := n.createPod(t, pod)
	n.waitPod(t, ns, "forced", "Running", 60*time.Second, func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if sbs, cs := n.runtimeObjects(t, p.UID); len(sbs) != 1 || len(cs) != 1 {
		t.Fatalf("runtime has %d sandboxes and %d containers, want 1 and 1", len(sbs), len(cs))
	}
	start := time.Now()
	res := n.kubectl(t, "delete", "pod", "forced", "-n", ns, "--force", "--grace-period=0")
	if !ok(t, res, "delete --force") {
		return
	}
	n.waitGone(t, ns, "forced", 5*time.Second)
	// The kubelet removes the runtime objects first and the pod's
	// directory after them, so both are polled for.
	podDir := filepath.Join(n.AgentDir, "pods", string(p.UID))
	var sbs []*runtimeapi.PodSandbox
	var cs []*runtimeapi.Container
	var dirErr error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		sbs, cs = n.runtimeObjects(t, p.UID)
		_, dirErr = os.Stat(podDir)
		if len(sbs) == 0 && len(cs) == 0 && os.IsNotExist(dirErr) {
			break
		}
	}
	if len(sbs) != 0 || len(cs) != 0 {
		t.Fatalf("20s after a forced delete the pod still has %d sandboxes and %d containers in containerd", len(sbs), len(cs))
	}
	if !os.IsNotExist(dirErr) {
		t.Fatalf("20s after a forced delete the pod's directory %s still exists (%v)", podDir, dirErr)
	}
	t.Logf("containers and directory of the force-deleted pod gone after %s", time.Since(start).Round(10*time.Millisecond))
}

// nodeSecurityContext: user, group and a read-only root filesystem.
func nodeSecurityContext(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "secctx")
	pod := busyboxPod(ns, "restricted", sleepScript)
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: int64p(65534), RunAsGroup: int64p(65534)}
	readOnly := true
	pod.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{ReadOnlyRootFilesystem: &readOnly}
	pod.Spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "scratch", MountPath: "/scratch"}}
	n.createPod(t, pod)
	n.waitPod(t, ns, "restricted", "Running and Ready", 60*time.Second, runningReady)
	res := n.kubectl(t, "exec", "restricted", "-n", ns, "--", "sh", "-c", "id -u; id -g")
	if ok(t, res, "exec id") {
		expectLines(t, "exec id", res, "65534", "65534")
	}
	res = n.kubectl(t, "exec", "restricted", "-n", ns, "--", "touch", "/rootfs-file")
	if res.Code == 0 || !strings.Contains(res.Out, "Read-only file system") {
		t.Errorf("touch on a read-only root filesystem: want failure with %q; %s", "Read-only file system", res)
	}
	res = n.kubectl(t, "exec", "restricted", "-n", ns, "--", "sh", "-c", "echo ok > /scratch/f && cat /scratch/f")
	if ok(t, res, "write to the emptyDir") && res.Stdout != "ok\n" {
		t.Errorf("emptyDir write as user 65534: %q", res.Stdout)
	}
}

// nodeResources: requests and limits become the container's cgroup
// settings, and the pod's QoS class.
func nodeResources(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "resources")
	pod := busyboxPod(ns, "limited", sleepScript)
	pod.Spec.Containers[0].Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
	}
	p := n.createPod(t, pod)
	p = n.waitPod(t, ns, "limited", "Running and Ready", 60*time.Second, runningReady)
	if p.Status.QOSClass != corev1.PodQOSBurstable {
		t.Errorf("qosClass %q, want Burstable", p.Status.QOSClass)
	}
	// cgroup v1 (each controller mounted on its own) or v2 (one hierarchy).
	script := `if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
  cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us; cat /sys/fs/cgroup/cpu/cpu.shares
else
  cat /sys/fs/cgroup/memory.max; cut -d' ' -f1 /sys/fs/cgroup/cpu.max; echo v2
fi`
	res := n.kubectl(t, "exec", "limited", "-n", ns, "--", "sh", "-c", script)
	if !ok(t, res, "read cgroup limits") {
		return
	}
	got := outLines(res.Stdout)
	if len(got) == 3 && got[2] == "v2" {
		if got[0] != "67108864" || got[1] != "50000" {
			t.Errorf("cgroup v2 limits: memory.max %s cpu.max quota %s, want 67108864 and 50000", got[0], got[1])
		}
	} else if len(got) != 3 || got[0] != "67108864" || got[1] != "50000" || got[2] != "256" {
		t.Errorf("cgroup v1 limits: %q, want memory.limit_in_bytes 67108864, cpu.cfs_quota_us 50000, cpu.shares 256", got)
	}
	if cg := podCgroups(p.UID); len(cg) == 0 || !strings.Contains(cg[0], "/kubepods/burstable/pod") {
		t.Errorf("pod cgroups %v, want them under kubepods/burstable", cg)
	}
}

// hangingRegistry accepts connections on loopback and never answers: an
// image pull from it hangs until the listener closes (at the test's end).
func hangingRegistry(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// nodeSlowPull: while an image pull takes long the pod shows what upstream
// shows (ContainerCreating, or PodInitializing after its init containers,
// with its IP), and it can be deleted without waiting for the pull.
func nodeSlowPull(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "slow-pull")
	image := hangingRegistry(t) + "/slow:1"
	pulling := busyboxPod(ns, "pulling", sleepScript)
	pulling.Spec.Containers[0].Image = image
	pulling.Spec.Containers[0].ImagePullPolicy = corev1.PullIfNotPresent
	n.createPod(t, pulling)
	initThenPull := pulling.DeepCopy()
	initThenPull.Name = "init-then-pull"
	initThenPull.Spec.InitContainers = []corev1.Container{{Name: "first", Image: "orca.local/busybox:1", ImagePullPolicy: corev1.PullNever, Command: []string{"true"}}}
	n.createPod(t, initThenPull)

	n.waitEvent(t, ns, "pulling", "Normal", "Pulling", fmt.Sprintf("Pulling image %q", image), 30*time.Second)
	n.waitStatusColumn(t, ns, "pulling", "ContainerCreating", "0/1", 15*time.Second)
	p := n.waitPod(t, ns, "pulling", "a status while pulling", 5*time.Second, func(p *corev1.Pod) bool { return len(p.Status.ContainerStatuses) == 1 })
	if cs := p.Status.ContainerStatuses[0]; cs.State.Waiting == nil || cs.State.Waiting.Reason != "ContainerCreating" || p.Status.PodIP == "" || p.Status.StartTime == nil {
		t.Errorf("pod pulling its image: container state %+v, podIP %q, startTime %v; want waiting ContainerCreating, the sandbox's IP, a start time", cs.State, p.Status.PodIP, p.Status.StartTime)
	}
	n.waitStatusColumn(t, ns, "init-then-pull", "PodInitializing", "0/1", 30*time.Second)

	// Deleting the pod abandons the pull.
	start := time.Now()
	res := n.kubectl(t, "delete", "pod", "pulling", "-n", ns, "--timeout=30s")
	ok(t, res, "delete a pod whose image pull hangs")
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("deleting a pod whose image pull hangs took %s: the pull held up the deletion", took)
	}
	res = n.kubectl(t, "delete", "pod", "init-then-pull", "-n", ns, "--timeout=30s")
	ok(t, res, "delete a pod whose image pull hangs (after init)")
}
