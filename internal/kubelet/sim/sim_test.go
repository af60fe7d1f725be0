package sim

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	clocktesting "k8s.io/utils/clock/testing"
	utilexec "k8s.io/utils/exec"
)

var ctx = context.Background()

const testImage = "docker.io/library/busybox:1.36"

func newTest(t testing.TB, opts Options) (*Runtime, *clocktesting.FakeClock) {
	t.Helper()
	fc := clocktesting.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	opts.Clock = fc
	r := New(opts)
	t.Cleanup(func() { _ = r.Close(ctx) })
	if _, err := r.PullImage(ctx, &runtimeapi.ImageSpec{Image: "busybox:1.36"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	return r, fc
}

func podConfig(name string, attempt uint32, ann map[string]string) *runtimeapi.PodSandboxConfig {
	return &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: name, Namespace: "default", Uid: "uid-" + name, Attempt: attempt},
		Labels:       map[string]string{"io.kubernetes.pod.name": name, "app": "web"},
		Annotations:  ann,
		LogDirectory: "/var/log/pods/default_" + name,
	}
}

func ctrConfig(name string, attempt uint32) *runtimeapi.ContainerConfig {
	return &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: name, Attempt: attempt},
		Image:    &runtimeapi.ImageSpec{Image: "busybox:1.36"},
		Labels:   map[string]string{"io.kubernetes.container.name": name},
		LogPath:  fmt.Sprintf("%s/%d.log", name, attempt),
	}
}

func code(err error) codes.Code { return status.Code(err) }

func mustRun(t testing.TB, r *Runtime, cfg *runtimeapi.PodSandboxConfig) string {
	t.Helper()
	id, err := r.RunPodSandbox(ctx, cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustCreateStart(t testing.TB, r *Runtime, sb string, sbCfg *runtimeapi.PodSandboxConfig, c *runtimeapi.ContainerConfig) string {
	t.Helper()
	id, err := r.CreateContainer(ctx, sb, c, sbCfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func ctrStatus(t testing.TB, r *Runtime, id string) *runtimeapi.ContainerStatus {
	t.Helper()
	resp, err := r.ContainerStatus(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status
}

func TestLifecycle(t *testing.T) {
	r, fc := newTest(t, Options{})
	sbCfg := podConfig("web", 0, nil)
	sb := mustRun(t, r, sbCfg)
	st, err := r.PodSandboxStatus(ctx, sb, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.State != runtimeapi.PodSandboxState_SANDBOX_READY || st.Status.Network.Ip != "10.88.0.2" || st.Status.CreatedAt != fc.Now().UnixNano() {
		t.Fatalf("sandbox status = %v", st.Status)
	}
	cid, err := r.CreateContainer(ctx, sb, ctrConfig("app", 0), sbCfg)
	if err != nil {
		t.Fatal(err)
	}
	if s := ctrStatus(t, r, cid); s.State != runtimeapi.ContainerState_CONTAINER_CREATED || s.StartedAt != 0 {
		t.Fatalf("created status = %v", s)
	}
	fc.Step(time.Second)
	if err := r.StartContainer(ctx, cid); err != nil {
		t.Fatal(err)
	}
	if err := r.StartContainer(ctx, cid); code(err) != codes.FailedPrecondition {
		t.Fatalf("second start: %v", err)
	}
	s := ctrStatus(t, r, cid)
	if s.State != runtimeapi.ContainerState_CONTAINER_RUNNING || s.StartedAt != fc.Now().UnixNano() {
		t.Fatalf("running status = %v", s)
	}
	if s.LogPath != "/var/log/pods/default_web/app/0.log" || s.Image.Image != testImage || s.ImageRef == "" || s.ImageId == "" {
		t.Fatalf("status image/log = %v", s)
	}
	fc.Step(time.Second)
	if err := r.StopContainer(ctx, cid, 10); err != nil {
		t.Fatal(err)
	}
	s = ctrStatus(t, r, cid)
	if s.State != runtimeapi.ContainerState_CONTAINER_EXITED || s.ExitCode != 0 || s.Reason != "Completed" || s.FinishedAt != fc.Now().UnixNano() {
		t.Fatalf("stopped status = %v", s)
	}
	if err := r.StopContainer(ctx, cid, 10); err != nil {
		t.Fatalf("stop of exited container: %v", err)
	}
	if err := r.RemoveContainer(ctx, cid); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ContainerStatus(ctx, cid, false); code(err) != codes.NotFound {
		t.Fatalf("status after remove: %v", err)
	}
	if err := r.RemoveContainer(ctx, cid); err != nil {
		t.Fatalf("second remove: %v", err)
	}
	// StopPodSandbox kills running containers with 137.
	c2 := mustCreateStart(t, r, sb, sbCfg, ctrConfig("app", 1))
	if err := r.StopPodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	if s := ctrStatus(t, r, c2); s.State != runtimeapi.ContainerState_CONTAINER_EXITED || s.ExitCode != 137 || s.Reason != "Error" {
		t.Fatalf("killed status = %v", s)
	}
	st, _ = r.PodSandboxStatus(ctx, sb, false)
	if st.Status.State != runtimeapi.PodSandboxState_SANDBOX_NOTREADY {
		t.Fatalf("sandbox after stop = %v", st.Status.State)
	}
	if _, err := r.CreateContainer(ctx, sb, ctrConfig("app", 2), sbCfg); code(err) != codes.FailedPrecondition {
		t.Fatalf("create in stopped sandbox: %v", err)
	}
	if err := r.RemovePodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ContainerStatus(ctx, c2, false); code(err) != codes.NotFound {
		t.Fatalf("container survived sandbox removal: %v", err)
	}
	if _, err := r.PodSandboxStatus(ctx, sb, false); code(err) != codes.NotFound {
		t.Fatalf("sandbox status after remove: %v", err)
	}
	if err := r.RemovePodSandbox(ctx, sb); err != nil {
		t.Fatalf("second remove: %v", err)
	}
}

func TestNotFoundAndInvalid(t *testing.T) {
	r, _ := newTest(t, Options{})
	sbCfg := podConfig("p", 0, nil)
	sb := mustRun(t, r, sbCfg)
	missingImage := ctrConfig("c", 0)
	missingImage.Image.Image = "nginx:nope"
	tests := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"StartContainer", r.StartContainer(ctx, "nope"), codes.NotFound},
		{"StopContainer", r.StopContainer(ctx, "nope", 1), codes.NotFound},
		{"StopPodSandbox", r.StopPodSandbox(ctx, "nope"), codes.NotFound},
		{"UpdateContainerResources", r.UpdateContainerResources(ctx, "nope", nil), codes.NotFound},
		{"ReopenContainerLog", r.ReopenContainerLog(ctx, "nope"), codes.NotFound},
		{"RemoveContainer", r.RemoveContainer(ctx, "nope"), codes.OK},
		{"RemovePodSandbox", r.RemovePodSandbox(ctx, "nope"), codes.OK},
		{"CreateContainer unknown sandbox", second(r.CreateContainer(ctx, "nope", ctrConfig("c", 0), sbCfg)), codes.NotFound},
		{"CreateContainer missing image", second(r.CreateContainer(ctx, sb, missingImage, sbCfg)), codes.NotFound},
		{"CreateContainer no metadata", second(r.CreateContainer(ctx, sb, &runtimeapi.ContainerConfig{}, sbCfg)), codes.InvalidArgument},
		{"RunPodSandbox no metadata", second(r.RunPodSandbox(ctx, &runtimeapi.PodSandboxConfig{}, "")), codes.InvalidArgument},
		{"Exec", second(r.Exec(ctx, &runtimeapi.ExecRequest{})), codes.Unimplemented},
		{"Attach", second(r.Attach(ctx, &runtimeapi.AttachRequest{})), codes.Unimplemented},
		{"PortForward", second(r.PortForward(ctx, &runtimeapi.PortForwardRequest{})), codes.Unimplemented},
		{"CheckpointContainer", r.CheckpointContainer(ctx, nil), codes.Unimplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(tt.err); got != tt.want {
				t.Fatalf("code = %v (%v), want %v", got, tt.err, tt.want)
			}
		})
	}
	_, err := r.CreateContainer(ctx, sb, missingImage, sbCfg)
	if want := `failed to get image "nginx:nope"`; err == nil || !contains(err.Error(), want) {
		t.Fatalf("missing image error %v, want %q", err, want)
	}
}

func second[T any](_ T, err error) error { return err }

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestNameReuse(t *testing.T) {
	r, _ := newTest(t, Options{})
	sbCfg := podConfig("p", 0, nil)
	sb := mustRun(t, r, sbCfg)
	_, err := r.RunPodSandbox(ctx, podConfig("p", 0, nil), "")
	if code(err) != codes.AlreadyExists || !contains(err.Error(), "is reserved for") {
		t.Fatalf("duplicate sandbox: %v", err)
	}
	sb1 := mustRun(t, r, podConfig("p", 1, nil)) // new attempt is fine
	c0 := mustCreateStart(t, r, sb, sbCfg, ctrConfig("app", 0))
	if err := r.StopContainer(ctx, c0, 0); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		sandbox string
		attempt uint32
		want    codes.Code
	}{
		{"same attempt while old exists", sb, 0, codes.AlreadyExists},
		{"new attempt", sb, 1, codes.OK},
		{"same name+attempt in another sandbox of the same pod", sb1, 1, codes.AlreadyExists},
		{"again new attempt", sb, 2, codes.OK},
	}
	for _, s := range steps {
		_, err := r.CreateContainer(ctx, s.sandbox, ctrConfig("app", s.attempt), sbCfg)
		if code(err) != s.want {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
	}
	if err := r.RemoveContainer(ctx, c0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CreateContainer(ctx, sb, ctrConfig("app", 0), sbCfg); err != nil {
		t.Fatalf("name free after remove: %v", err)
	}
	if err := r.RemovePodSandbox(ctx, sb); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunPodSandbox(ctx, podConfig("p", 0, nil), ""); err != nil {
		t.Fatalf("sandbox name free after remove: %v", err)
	}
}

func TestScripted(t *testing.T) {
	tests := []struct {
		name       string
		ann        map[string]string
		ctr        string
		attempt    uint32
		opts       Options
		step       time.Duration // before the first check
		wantState  runtimeapi.ContainerState
		then       time.Duration // then step this and expect exit
		wantCode   int32
		wantReason string
		runFor     time.Duration // expected finishedAt - startedAt
	}{
		{name: "runs forever", step: time.Hour, wantState: runtimeapi.ContainerState_CONTAINER_RUNNING},
		{name: "exit 1 after 2s", ann: map[string]string{AnnotationExitCode: "1", AnnotationRunFor: "2s"},
			step: 1999 * time.Millisecond, wantState: runtimeapi.ContainerState_CONTAINER_RUNNING, then: time.Millisecond, wantCode: 1, wantReason: "Error", runFor: 2 * time.Second},
		{name: "run-for alone completes", ann: map[string]string{AnnotationRunFor: "1s"},
			wantState: runtimeapi.ContainerState_CONTAINER_RUNNING, then: time.Second, wantReason: "Completed", runFor: time.Second},
		{name: "exit-code 0 alone completes at once", ann: map[string]string{AnnotationExitCode: "0"},
			wantState: runtimeapi.ContainerState_CONTAINER_EXITED, wantReason: "Completed"},
		{name: "crash", ann: map[string]string{AnnotationCrash: "true"},
			wantState: runtimeapi.ContainerState_CONTAINER_EXITED, wantCode: 1, wantReason: "Error"},
		{name: "oom after 3s", ann: map[string]string{AnnotationOOM: "true", AnnotationRunFor: "3s"},
			wantState: runtimeapi.ContainerState_CONTAINER_RUNNING, then: 3 * time.Second, wantCode: 137, wantReason: "OOMKilled", runFor: 3 * time.Second},
		{name: "per-container override wins", ann: map[string]string{AnnotationCrash: "true", AnnotationCrash + ".app": "false"},
			step: time.Hour, wantState: runtimeapi.ContainerState_CONTAINER_RUNNING},
		{name: "other container's override ignored", ann: map[string]string{AnnotationExitCode + ".sidecar": "3"},
			step: time.Hour, wantState: runtimeapi.ContainerState_CONTAINER_RUNNING},
		{name: "per-container exit", ann: map[string]string{AnnotationExitCode + ".app": "3"},
			wantState: runtimeapi.ContainerState_CONTAINER_EXITED, wantCode: 3, wantReason: "Error"},
		{name: "until-attempt: early attempt crashes", ann: map[string]string{AnnotationCrash: "true", AnnotationUntilAttempt: "2"}, attempt: 1,
			wantState: runtimeapi.ContainerState_CONTAINER_EXITED, wantCode: 1, wantReason: "Error"},
		{name: "until-attempt: later attempt runs", ann: map[string]string{AnnotationCrash: "true", AnnotationUntilAttempt: "2"}, attempt: 2,
			step: time.Hour, wantState: runtimeapi.ContainerState_CONTAINER_RUNNING},
		{name: "start delay option", opts: Options{StartDelay: time.Second},
			step: 999 * time.Millisecond, wantState: runtimeapi.ContainerState_CONTAINER_CREATED},
		{name: "start delay annotation then exit", ann: map[string]string{AnnotationStartDelay: "500ms", AnnotationRunFor: "1s", AnnotationExitCode: "2"},
			step: 400 * time.Millisecond, wantState: runtimeapi.ContainerState_CONTAINER_CREATED, then: 1100 * time.Millisecond, wantCode: 2, wantReason: "Error", runFor: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fc := newTest(t, tt.opts)
			sbCfg := podConfig("p", 0, tt.ann)
			sb := mustRun(t, r, sbCfg)
			start := fc.Now()
			cid := mustCreateStart(t, r, sb, sbCfg, ctrConfig("app", tt.attempt))
			fc.Step(tt.step)
			s := ctrStatus(t, r, cid)
			if s.State != tt.wantState {
				t.Fatalf("state after %v = %v, want %v", tt.step, s.State, tt.wantState)
			}
			if tt.then > 0 {
				fc.Step(tt.then)
				s = ctrStatus(t, r, cid)
			}
			if s.State != runtimeapi.ContainerState_CONTAINER_EXITED {
				return
			}
			if s.ExitCode != tt.wantCode || s.Reason != tt.wantReason {
				t.Fatalf("exit = %d %q, want %d %q", s.ExitCode, s.Reason, tt.wantCode, tt.wantReason)
			}
			if got := time.Duration(s.FinishedAt - s.StartedAt); got != tt.runFor {
				t.Fatalf("ran for %v, want %v", got, tt.runFor)
			}
			if s.StartedAt < start.UnixNano() {
				t.Fatalf("startedAt before start")
			}
		})
	}
}

func TestStopGracePeriod(t *testing.T) {
	tests := []struct {
		name     string
		ann      map[string]string
		timeout  int64
		blocks   bool
		wantCode int32
		wantRan  time.Duration // stop duration on the clock
	}{
		{name: "graceful default", timeout: 30, wantCode: 0},
		{name: "term exit code", ann: map[string]string{AnnotationTermExitCode: "143"}, timeout: 30, wantCode: 143},
		{name: "timeout 0 kills", ann: map[string]string{AnnotationIgnoreSIGTERM: "true"}, timeout: 0, wantCode: 137},
		{name: "ignore sigterm waits full timeout", ann: map[string]string{AnnotationIgnoreSIGTERM: "true"}, timeout: 5, blocks: true, wantCode: 137, wantRan: 5 * time.Second},
		{name: "shutdown delay within timeout", ann: map[string]string{AnnotationShutdownDelay: "2s"}, timeout: 5, blocks: true, wantCode: 0, wantRan: 2 * time.Second},
		{name: "shutdown delay beyond timeout", ann: map[string]string{AnnotationShutdownDelay: "9s"}, timeout: 5, blocks: true, wantCode: 137, wantRan: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fc := newTest(t, Options{})
			sbCfg := podConfig("p", 0, tt.ann)
			sb := mustRun(t, r, sbCfg)
			cid := mustCreateStart(t, r, sb, sbCfg, ctrConfig("app", 0))
			t0 := fc.Now()
			done := make(chan error, 1)
			go func() { done <- r.StopContainer(ctx, cid, tt.timeout) }()
			if tt.blocks {
				for !fc.HasWaiters() {
					time.Sleep(time.Millisecond)
				}
				select {
				case err := <-done:
					t.Fatalf("StopContainer returned before the clock moved: %v", err)
				default:
				}
				fc.Step(time.Duration(tt.timeout) * time.Second)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			s := ctrStatus(t, r, cid)
			if s.State != runtimeapi.ContainerState_CONTAINER_EXITED || s.ExitCode != tt.wantCode {
				t.Fatalf("status = %v %d, want exited %d", s.State, s.ExitCode, tt.wantCode)
			}
			if got := time.Duration(s.FinishedAt - t0.UnixNano()); got != tt.wantRan {
				t.Fatalf("stopped after %v, want %v", got, tt.wantRan)
			}
		})
	}
}

func TestExecSync(t *testing.T) {
	r, _ := newTest(t, Options{})
	sbCfg := podConfig("p", 0, map[string]string{AnnotationExecExitCode + ".bad": "1", AnnotationExecStdout: "ok"})
	sb := mustRun(t, r, sbCfg)
	good := mustCreateStart(t, r, sb, sbCfg, ctrConfig("good", 0))
	bad := mustCreateStart(t, r, sb, sbCfg, ctrConfig("bad", 0))
	out, _, err := r.ExecSync(ctx, good, []string{"cat", "/tmp/healthy"}, time.Second)
	if err != nil || string(out) != "ok" {
		t.Fatalf("good exec = %q %v", out, err)
	}
	_, _, err = r.ExecSync(ctx, bad, []string{"false"}, time.Second)
	var exitErr utilexec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitStatus() != 1 {
		t.Fatalf("bad exec err = %#v", err)
	}
	if err := r.SetExecExitCode(good, 2); err != nil {
		t.Fatal(err)
	}
	if _, _, err = r.ExecSync(ctx, good, []string{"x"}, time.Second); !errors.As(err, &exitErr) || exitErr.ExitStatus() != 2 {
		t.Fatalf("override exec err = %v", err)
	}
	_ = r.StopContainer(ctx, good, 0)
	if _, _, err = r.ExecSync(ctx, good, []string{"x"}, time.Second); code(err) != codes.FailedPrecondition {
		t.Fatalf("exec in exited container: %v", err)
	}
}

func TestIPAllocation(t *testing.T) {
	r, _ := newTest(t, Options{PodCIDR: "10.1.2.0/29"}) // usable .2 .. .6
	var ids []string
	for i := range 5 {
		id := mustRun(t, r, podConfig(fmt.Sprint("p", i), 0, nil))
		ids = append(ids, id)
		st, _ := r.PodSandboxStatus(ctx, id, false)
		if want := fmt.Sprintf("10.1.2.%d", i+2); st.Status.Network.Ip != want {
			t.Fatalf("pod %d ip %s, want %s", i, st.Status.Network.Ip, want)
		}
	}
	_, err := r.RunPodSandbox(ctx, podConfig("full", 0, nil), "")
	if err == nil || !contains(err.Error(), "no IP addresses available in range set: 10.1.2.2-10.1.2.6") {
		t.Fatalf("exhausted range: %v", err)
	}
	// The failed sandbox did not reserve its name.
	if err := r.StopPodSandbox(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunPodSandbox(ctx, podConfig("full", 0, nil), ""); err == nil {
		t.Fatal("stopped sandbox released its IP before removal")
	}
	if err := r.RemovePodSandbox(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	id := mustRun(t, r, podConfig("full", 0, nil))
	st, _ := r.PodSandboxStatus(ctx, id, false)
	if st.Status.Network.Ip != "10.1.2.3" {
		t.Fatalf("reused ip = %s", st.Status.Network.Ip)
	}
	// Host-network pods take no IP.
	hn := podConfig("hostnet", 0, nil)
	hn.Linux = &runtimeapi.LinuxPodSandboxConfig{SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE}}}
	hid := mustRun(t, r, hn)
	st, _ = r.PodSandboxStatus(ctx, hid, false)
	if st.Status.Network.Ip != "" {
		t.Fatalf("host network pod got ip %s", st.Status.Network.Ip)
	}
	// UpdateRuntimeConfig switches ranges; old IPs release into the old range.
	if err := r.UpdateRuntimeConfig(ctx, &runtimeapi.RuntimeConfig{NetworkConfig: &runtimeapi.NetworkConfig{PodCidr: "10.9.0.0/24,fd00::/64"}}); err != nil {
		t.Fatal(err)
	}
	id = mustRun(t, r, podConfig("newrange", 0, nil))
	st, _ = r.PodSandboxStatus(ctx, id, false)
	if st.Status.Network.Ip != "10.9.0.2" {
		t.Fatalf("ip from new range = %s", st.Status.Network.Ip)
	}
	if err := r.RemovePodSandbox(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
}

func TestIPPool(t *testing.T) {
	tests := []struct {
		cidr      string
		size      int
		first     string
		last      string
		wantError bool
	}{
		{cidr: "10.0.0.0/24", size: 253, first: "10.0.0.2", last: "10.0.0.254"},
		{cidr: "10.0.5.7/24", size: 253, first: "10.0.5.2", last: "10.0.5.254"},
		{cidr: "10.0.0.0/16", size: 1<<16 - 3, first: "10.0.0.2", last: "10.0.255.254"},
		{cidr: "10.0.0.0/8", size: 1 << 16, first: "10.0.0.2", last: "10.1.0.1"},
		{cidr: "fd00:1::/120", size: 254, first: "fd00:1::2", last: "fd00:1::ff"},
		{cidr: "10.0.0.0/31", wantError: true},
		{cidr: "bogus", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			p, err := newIPPool(tt.cidr)
			if tt.wantError {
				if err == nil {
					t.Fatal("want error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.size != tt.size || p.first.String() != tt.first || addAddr(p.first, p.size-1).String() != tt.last {
				t.Fatalf("pool %d %s..%s", p.size, p.first, addAddr(p.first, p.size-1))
			}
			seen := map[netip.Addr]bool{}
			for range min(p.size, 300) {
				ip, err := p.allocate()
				if err != nil || seen[ip] || !p.prefix.Contains(ip) {
					t.Fatalf("allocate = %s %v", ip, err)
				}
				seen[ip] = true
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	r, _ := newTest(t, Options{})
	a := podConfig("a", 0, nil)
	b := podConfig("b", 0, nil)
	b.Labels = map[string]string{"app": "db"}
	sa, sbID := mustRun(t, r, a), mustRun(t, r, b)
	ca := mustCreateStart(t, r, sa, a, ctrConfig("one", 0))
	cb, _ := r.CreateContainer(ctx, sbID, ctrConfig("two", 0), b)
	if err := r.StopPodSandbox(ctx, sbID); err != nil {
		t.Fatal(err)
	}
	sbTests := []struct {
		name   string
		filter *runtimeapi.PodSandboxFilter
		want   []string
	}{
		{"all", nil, []string{sa, sbID}},
		{"id", &runtimeapi.PodSandboxFilter{Id: sa}, []string{sa}},
		{"id prefix", &runtimeapi.PodSandboxFilter{Id: sa[:12]}, []string{sa}},
		{"unknown id", &runtimeapi.PodSandboxFilter{Id: "zzz"}, nil},
		{"ready", &runtimeapi.PodSandboxFilter{State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY}}, []string{sa}},
		{"notready", &runtimeapi.PodSandboxFilter{State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY}}, []string{sbID}},
		{"labels", &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{"app": "db"}}, []string{sbID}},
		{"labels none", &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{"app": "x"}}, nil},
	}
	for _, tt := range sbTests {
		t.Run("sandbox "+tt.name, func(t *testing.T) {
			got, err := r.ListPodSandbox(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, s := range got {
				ids = append(ids, s.Id)
			}
			if !sameSet(ids, tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
		})
	}
	cTests := []struct {
		name   string
		filter *runtimeapi.ContainerFilter
		want   []string
	}{
		{"all", nil, []string{ca, cb}},
		{"id", &runtimeapi.ContainerFilter{Id: cb}, []string{cb}},
		{"sandbox", &runtimeapi.ContainerFilter{PodSandboxId: sa}, []string{ca}},
		{"id and other sandbox", &runtimeapi.ContainerFilter{Id: cb, PodSandboxId: sa}, nil},
		{"running", &runtimeapi.ContainerFilter{State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}}, []string{ca}},
		{"created", &runtimeapi.ContainerFilter{State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_CREATED}}, []string{cb}},
		{"labels", &runtimeapi.ContainerFilter{LabelSelector: map[string]string{"io.kubernetes.container.name": "two"}}, []string{cb}},
	}
	for _, tt := range cTests {
		t.Run("container "+tt.name, func(t *testing.T) {
			got, err := r.ListContainers(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.Id)
			}
			if !sameSet(ids, tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
		})
	}
	stats, err := r.ListContainerStats(ctx, nil)
	if err != nil || len(stats) != 1 || stats[0].Attributes.Id != ca || stats[0].Memory.WorkingSetBytes.Value != defaultMemoryBytes {
		t.Fatalf("container stats = %v %v", stats, err)
	}
	ps, err := r.ListPodSandboxStats(ctx, nil)
	if err != nil || len(ps) != 1 || ps[0].Attributes.Id != sa || len(ps[0].Linux.Containers) != 1 {
		t.Fatalf("sandbox stats = %v %v", ps, err)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestImages(t *testing.T) {
	r, _ := newTest(t, Options{UnpullablePattern: `nosuch|^private\.example/`, Images: []string{"example.com/tools:v1"}})
	id, err := r.PullImage(ctx, &runtimeapi.ImageSpec{Image: "nginx"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref         string
		wantPresent bool
		wantTags    int
		wantDigests int
	}{
		{"nginx", true, 1, 1},
		{"nginx:latest", true, 1, 1},
		{"docker.io/library/nginx:latest", true, 1, 1},
		{id, true, 1, 1},
		{id[len("sha256:"):], true, 1, 1},
		{"nginx:1.25", false, 0, 0},
		{"example.com/tools:v1", true, 1, 0}, // imported: tags, no digests
		{"registry.k8s.io/pause:3.10", true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			resp, err := r.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: tt.ref}, false)
			if err != nil {
				t.Fatal(err)
			}
			if (resp.Image != nil) != tt.wantPresent {
				t.Fatalf("present = %v", resp.Image != nil)
			}
			if resp.Image != nil && (len(resp.Image.RepoTags) != tt.wantTags || len(resp.Image.RepoDigests) != tt.wantDigests || resp.Image.Size == 0) {
				t.Fatalf("image = %v", resp.Image)
			}
		})
	}
	st, _ := r.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: "nginx"}, false)
	if st.Image.RepoTags[0] != "docker.io/library/nginx:latest" || !contains(st.Image.RepoDigests[0], "docker.io/library/nginx@sha256:") {
		t.Fatalf("refs = %v %v", st.Image.RepoTags, st.Image.RepoDigests)
	}
	pause, _ := r.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: DefaultSandboxImage}, false)
	if !pause.Image.Pinned {
		t.Fatal("sandbox image not pinned")
	}
	// Same reference twice is the same image.
	if id2, _ := r.PullImage(ctx, &runtimeapi.ImageSpec{Image: "docker.io/nginx:latest"}, nil, nil); id2 != id {
		t.Fatalf("re-pull id %s != %s", id2, id)
	}
	// Digest pull: RepoDigests only.
	dref := "quay.io/x/y@sha256:" + fmt.Sprintf("%064x", 7)
	if _, err := r.PullImage(ctx, &runtimeapi.ImageSpec{Image: dref}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: dref}, false); st.Image == nil || len(st.Image.RepoTags) != 0 || st.Image.RepoDigests[0] != dref {
		t.Fatalf("digest image = %v", st.Image)
	}
	for _, bad := range []string{"nosuch/app", "private.example/app:1"} {
		if _, err := r.PullImage(ctx, &runtimeapi.ImageSpec{Image: bad}, nil, nil); err == nil || !contains(err.Error(), "pull access denied") {
			t.Fatalf("unpullable %s: %v", bad, err)
		}
	}
	if _, err := r.PullImage(ctx, &runtimeapi.ImageSpec{Image: "bad::ref"}, nil, nil); err == nil {
		t.Fatal("invalid reference pulled")
	}
	list, _ := r.ListImages(ctx, nil)
	if len(list) != 5 { // busybox, nginx, tools, pause, digest
		t.Fatalf("list = %d images", len(list))
	}
	fs, _ := r.ImageFsInfo(ctx)
	var sum uint64
	for _, i := range list {
		sum += i.Size
	}
	if fs.ImageFilesystems[0].UsedBytes.Value != sum {
		t.Fatalf("fs used %d, want %d", fs.ImageFilesystems[0].UsedBytes.Value, sum)
	}
	if err := r.RemoveImage(ctx, &runtimeapi.ImageSpec{Image: "nginx"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: id}, false); st.Image != nil {
		t.Fatal("image still present after remove")
	}
	if err := r.RemoveImage(ctx, &runtimeapi.ImageSpec{Image: "nginx"}); err != nil {
		t.Fatalf("remove missing image: %v", err)
	}
}

func TestVersionStatus(t *testing.T) {
	r, _ := newTest(t, Options{})
	v, _ := r.Version(ctx, "v1")
	if v.RuntimeName != "orca-sim" || v.RuntimeApiVersion != "v1" || v.RuntimeVersion == "" {
		t.Fatalf("version = %v", v)
	}
	st, _ := r.Status(ctx, true)
	if len(st.Status.Conditions) != 2 {
		t.Fatalf("conditions = %v", st.Status.Conditions)
	}
	for _, c := range st.Status.Conditions {
		if !c.Status {
			t.Fatalf("condition %s false", c.Type)
		}
	}
	rc, _ := r.RuntimeConfig(ctx)
	if rc.Linux.CgroupDriver != runtimeapi.CgroupDriver_CGROUPFS {
		t.Fatalf("cgroup driver %v", rc.Linux.CgroupDriver)
	}
}

func TestContainerEvents(t *testing.T) {
	r, fc := newTest(t, Options{})
	cctx, cancel := context.WithCancel(ctx)
	ch := make(chan *runtimeapi.ContainerEventResponse, 100)
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- r.GetContainerEvents(cctx, ch, func(runtimeapi.RuntimeService_GetContainerEventsClient) { close(ready) })
	}()
	<-ready
	sbCfg := podConfig("p", 0, map[string]string{AnnotationRunFor: "2s"})
	sb := mustRun(t, r, sbCfg)
	cid := mustCreateStart(t, r, sb, sbCfg, ctrConfig("app", 0))
	want := []struct {
		id  string
		typ runtimeapi.ContainerEventType
	}{
		{sb, runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT},
		{sb, runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT},
		{cid, runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT},
		{cid, runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT},
		{cid, runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT}, // fired by the scheduler timer
	}
	for i, w := range want {
		if i == len(want)-1 {
			fc.Step(2 * time.Second) // no read: only the timer can deliver this one
		}
		select {
		case ev := <-ch:
			if ev.ContainerId != w.id || ev.ContainerEventType != w.typ {
				t.Fatalf("event %d = %s %v, want %s %v", i, ev.ContainerId, ev.ContainerEventType, w.id, w.typ)
			}
			if ev.PodSandboxStatus == nil {
				t.Fatalf("event %d without sandbox status", i)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for event %d", i)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("GetContainerEvents returned %v", err)
	}
}

func TestConcurrency(t *testing.T) {
	r, fc := newTest(t, Options{PodCIDR: "10.2.0.0/16", StartDelay: 10 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				sbCfg := podConfig(fmt.Sprintf("p-%d-%d", g, i), 0, map[string]string{AnnotationRunFor: "15ms"})
				sb, err := r.RunPodSandbox(ctx, sbCfg, "")
				if err != nil {
					errs <- err
					return
				}
				cid, err := r.CreateContainer(ctx, sb, ctrConfig("app", 0), sbCfg)
				if err == nil {
					err = r.StartContainer(ctx, cid)
				}
				if err != nil {
					errs <- err
					return
				}
				_, _ = r.ListContainers(ctx, nil)
				_, _ = r.ContainerStatus(ctx, cid, false)
				_, _ = r.ListPodSandboxStats(ctx, nil)
				if i%2 == 0 {
					_ = r.StopContainer(ctx, cid, 0)
					_ = r.RemoveContainer(ctx, cid)
				}
				if i%3 == 0 {
					_ = r.RemovePodSandbox(ctx, sb)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 200 {
			fc.Step(time.Millisecond)
			time.Sleep(50 * time.Microsecond)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sbs, _ := r.ListPodSandbox(ctx, nil)
	for _, s := range sbs {
		if err := r.RemovePodSandbox(ctx, s.Id); err != nil {
			t.Fatal(err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.containers) != 0 || len(r.ctrNames) != 0 || len(r.sbNames) != 0 || r.pool.count != 0 {
		t.Fatalf("leak: %d containers %d names %d sandbox names %d ips", len(r.containers), len(r.ctrNames), len(r.sbNames), r.pool.count)
	}
}
