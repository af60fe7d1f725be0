package containerd

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/image"
	"orca/internal/image/pause"
	"orca/internal/kubelet/cri"
	"orca/test/images"
)

// requireHost skips the test on machines that cannot run containers, but
// only outside CI: there a skipped runtime test would hide a broken setup.
func requireHost(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "not running as root"
	} else if err := CheckHost(""); err != nil {
		why = err.Error()
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but the real-containerd test cannot run: %s", why)
	}
	t.Skipf("!!! SKIPPING the real-containerd test: %s (with CI set this fails)", why)
}

// TestSupervisorRunsPods drives a real containerd through CRI: start it,
// import the pause and busybox images, run `echo hello` in a host-network
// pod, then kill containerd and watch the supervisor bring it back.
func TestSupervisorRunsPods(t *testing.T) {
	requireHost(t)
	dir := t.TempDir()
	t.Cleanup(func() { unmountUnder(t, dir) })
	// Not t.Context() nor a deferred cancel: those end before the cleanups
	// that remove the pod, and the supervisor stops containerd with its ctx.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	step := stepTimer(t)

	sup, err := Start(ctx, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sup.Stop()
		if t.Failed() {
			t.Logf("containerd.log:\n%s", tail(sup.paths.log, 60))
		}
	})
	step("Start (containerd serving CRI)")

	rt, err := cri.Connect(ctx, sup.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) }) // after the pod's removal, before Stop
	v, err := rt.Version(ctx, "")
	if err != nil || v.RuntimeName != "containerd" {
		t.Fatalf("Version = %+v, %v; want runtime containerd", v, err)
	}
	t.Logf("runtime %s %s, CRI %s, snapshotter %s", v.RuntimeName, v.RuntimeVersion, v.RuntimeApiVersion, sup.Snapshotter())

	if err := pause.EnsureImported(ctx, rt, sup.Address()); err != nil {
		t.Fatal(err)
	}
	step("import pause image")
	requireImage(t, rt, pause.Image)
	if err := pause.EnsureImported(ctx, rt, sup.Address()); err != nil {
		t.Fatal(err)
	}
	step("EnsureImported again (present: no-op)")

	archive, ref, err := images.Busybox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := image.Import(ctx, sup.Address(), sup.Snapshotter(), archive); err != nil {
		t.Fatal(err)
	}
	step("write + import busybox image")
	requireImage(t, rt, ref)

	podID := runEcho(t, ctx, rt, dir, ref)
	step("pod: run echo hello to exit 0")

	restartContainerd(t, ctx, sup, rt)
	step("containerd killed and restarted")
	pods, err := rt.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{Id: podID})
	if err != nil || len(pods) != 1 {
		t.Fatalf("after restart, ListPodSandbox(%s) = %d pods, %v", podID, len(pods), err)
	}
}

func stepTimer(t *testing.T) func(string) {
	last := time.Now()
	return func(what string) {
		t.Logf("%-45s %s", what, time.Since(last).Round(time.Millisecond))
		last = time.Now()
	}
}

func requireImage(t *testing.T, rt cri.Runtime, ref string) {
	t.Helper()
	imgs, err := rt.ListImages(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		if slices.Contains(img.RepoTags, ref) {
			return
		}
	}
	t.Fatalf("ListImages lacks %s: %v", ref, imgs)
}

// runEcho runs `echo hello` in a host-network pod and checks its exit code
// and log; the pod is removed at cleanup.
func runEcho(t *testing.T, ctx context.Context, rt cri.Runtime, dir, ref string) string {
	t.Helper()
	sandbox := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "hello", Namespace: "test", Uid: "uid-hello"},
		LogDirectory: filepath.Join(dir, "pods", "hello"),
		Linux: &runtimeapi.LinuxPodSandboxConfig{SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
			NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE},
		}},
	}
	podID, err := rt.RunPodSandbox(ctx, sandbox, "")
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := rt.StopPodSandbox(ctx, podID); err != nil {
			t.Errorf("StopPodSandbox: %v", err)
		}
		if err := rt.RemovePodSandbox(ctx, podID); err != nil {
			t.Errorf("RemovePodSandbox: %v", err)
		}
	})
	ctr := &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "echo"},
		Image:    &runtimeapi.ImageSpec{Image: ref},
		Command:  []string{"echo", "hello"},
		LogPath:  "echo_0.log",
	}
	id, err := rt.CreateContainer(ctx, podID, ctr, sandbox)
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if err := rt.StartContainer(ctx, id); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	st := waitExited(t, ctx, rt, id)
	if st.ExitCode != 0 {
		t.Fatalf("echo exited %d (%s: %s)", st.ExitCode, st.Reason, st.Message)
	}
	logData, err := os.ReadFile(filepath.Join(sandbox.LogDirectory, ctr.LogPath))
	if err != nil {
		t.Fatal(err)
	}
	// CRI log lines: <RFC3339Nano time> <stream> <F|P> <text>
	if !strings.Contains(string(logData), " stdout F hello\n") {
		t.Fatalf("container log = %q, want a stdout line 'hello'", logData)
	}
	return podID
}

func waitExited(t *testing.T, ctx context.Context, rt cri.Runtime, id string) *runtimeapi.ContainerStatus {
	t.Helper()
	for {
		resp, err := rt.ContainerStatus(ctx, id, false)
		if err != nil {
			t.Fatalf("ContainerStatus: %v", err)
		}
		if st := resp.GetStatus(); st.GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("container %s did not exit: %v", id, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// restartContainerd SIGKILLs containerd and waits for the supervisor to
// start a new one that answers on the client's existing connection.
func restartContainerd(t *testing.T, ctx context.Context, sup *Supervisor, rt cri.Runtime) {
	t.Helper()
	old := sup.PID()
	if old == 0 {
		t.Fatal("no containerd running")
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if pid := sup.PID(); pid != 0 && pid != old {
			if v, err := rt.Version(ctx, ""); err == nil && v.RuntimeName == "containerd" {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("containerd (killed pid %d) not back after 30s; now pid %d", old, sup.PID())
}

// unmountUnder detaches whatever is still mounted below dir, deepest
// first, so that the temp dir can be removed; it reports each as a leak.
func unmountUnder(t *testing.T, dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 {
			p := unescapeMount(fields[4])
			if p == dir || strings.HasPrefix(p, dir+"/") {
				points = append(points, p)
			}
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, p := range points {
		t.Logf("left mounted after the test: %s", p)
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", p, err)
		}
	}
}

// unescapeMount undoes mountinfo's octal escapes (\040 for space, ...).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range []byte(s[i+1 : i+4]) {
				if c < '0' || c > '7' {
					ok = false
				}
				v = v*8 + c - '0'
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
