package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/kubelet/sim"
)

const testNode = "node-a"

// harness runs one kubelet on the simulated runtime against a fake API.
type harness struct {
	t      *testing.T
	client *fake.Clientset
	rt     *sim.Runtime
	k      *Kubelet
	cancel context.CancelFunc
	done   chan struct{}
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	client := fake.NewSimpleClientset()
	rt := sim.New(sim.Options{PodCIDR: "10.244.7.0/24"})
	if err := rt.ImportImage("busybox", false); err != nil {
		t.Fatal(err)
	}
	cap := v1.ResourceList{v1.ResourceCPU: resource.MustParse("4"), v1.ResourceMemory: resource.MustParse("8Gi"), v1.ResourcePods: resource.MustParse("110")}
	k := New(Config{
		NodeName: testNode, Client: client, Runtime: rt, RootDir: t.TempDir(), NoFiles: true,
		Node: NodeConfig{
			Labels: map[string]string{v1.LabelHostname: testNode}, Capacity: cap, Allocatable: cap,
			Addresses: []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: "192.0.2.10"}},
		},
		RelistPeriod: 50 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	k.backoff = newBackoff(k.clock, 200*time.Millisecond, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, client: client, rt: rt, k: k, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		if err := k.Run(ctx); err != nil {
			t.Errorf("kubelet: %v", err)
		}
	}()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
}

func (h *harness) create(pod *v1.Pod) *v1.Pod {
	h.t.Helper()
	pod.Spec.NodeName = testNode
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	if pod.UID == "" {
		pod.UID = types.UID("uid-" + pod.Name)
	}
	out, err := h.client.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// waitPod polls the pod until cond holds (or fails the test after 10 s).
func (h *harness) waitPod(name string, what string, cond func(*v1.Pod) bool) *v1.Pod {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last *v1.Pod
	for time.Now().Before(deadline) {
		p, err := h.client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			last = p
			if cond(p) {
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("pod %s never %s; last status: %+v", name, what, last.Status)
	return nil
}

func simplePod(name string, annotations map[string]string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations},
		Spec: v1.PodSpec{
			RestartPolicy: v1.RestartPolicyAlways,
			Containers:    []v1.Container{{Name: "app", Image: "busybox", ImagePullPolicy: v1.PullIfNotPresent}},
		},
	}
}

func condition(p *v1.Pod, t v1.PodConditionType) v1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func TestPodRunsAndBecomesReady(t *testing.T) {
	h := newHarness(t)
	h.create(simplePod("web", nil))
	p := h.waitPod("web", "Running and Ready", func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodRunning && condition(p, v1.PodReady) == v1.ConditionTrue
	})
	cs := p.Status.ContainerStatuses
	if len(cs) != 1 || cs[0].State.Running == nil || !cs[0].Ready || cs[0].Started == nil || !*cs[0].Started {
		t.Fatalf("container status %+v", cs)
	}
	if p.Status.PodIP == "" || p.Status.HostIP != "192.0.2.10" || p.Status.StartTime == nil {
		t.Fatalf("pod IPs/start time: %+v", p.Status)
	}
	if cs[0].ContainerID == "" || cs[0].ImageID == "" {
		t.Fatalf("container ID/image ID missing: %+v", cs[0])
	}
	for _, c := range []v1.PodConditionType{v1.PodInitialized, v1.ContainersReady, v1.PodReadyToStartContainers} {
		if condition(p, c) != v1.ConditionTrue {
			t.Errorf("condition %s = %q", c, condition(p, c))
		}
	}
}

// A runtime that reports a started container as created for a while (the
// simulated runtime's start delay) must not make the kubelet replace it.
func TestSlowStartIsNotRestarted(t *testing.T) {
	h := newHarness(t)
	h.create(simplePod("slow", map[string]string{sim.AnnotationStartDelay: "400ms"}))
	p := h.waitPod("slow", "Running and Ready", func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodRunning && condition(p, v1.PodReady) == v1.ConditionTrue
	})
	if rc := p.Status.ContainerStatuses[0].RestartCount; rc != 0 {
		t.Fatalf("restartCount %d after a slow start, want 0", rc)
	}
	ctrs, err := h.rt.ListContainers(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ctrs) != 1 {
		t.Fatalf("%d containers in the runtime, want 1", len(ctrs))
	}
}

func TestCrashLoopBackOffGrowsRestartCount(t *testing.T) {
	h := newHarness(t)
	h.create(simplePod("crash", map[string]string{"sim.orca.dev/crash": "true"}))
	p := h.waitPod("crash", "in CrashLoopBackOff with restarts", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount >= 2 && cs[0].State.Waiting != nil && cs[0].State.Waiting.Reason == "CrashLoopBackOff"
	})
	cs := p.Status.ContainerStatuses[0]
	if cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 1 || cs.LastTerminationState.Terminated.Reason != "Error" {
		t.Fatalf("lastState %+v", cs.LastTerminationState)
	}
	if p.Status.Phase != v1.PodRunning {
		t.Fatalf("phase %s, want Running (restartPolicy Always)", p.Status.Phase)
	}
}

func TestNeverRestartSucceedsAndFails(t *testing.T) {
	h := newHarness(t)
	ok := simplePod("ok", map[string]string{"sim.orca.dev/exit-code": "0"})
	ok.Spec.RestartPolicy = v1.RestartPolicyNever
	h.create(ok)
	bad := simplePod("bad", map[string]string{"sim.orca.dev/exit-code": "3"})
	bad.Spec.RestartPolicy = v1.RestartPolicyNever
	h.create(bad)
	p := h.waitPod("ok", "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
	if r := p.Status.ContainerStatuses[0].State.Terminated; r == nil || r.Reason != "Completed" {
		t.Fatalf("ok: %+v", p.Status.ContainerStatuses[0].State)
	}
	p = h.waitPod("bad", "Failed", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
	if r := p.Status.ContainerStatuses[0].State.Terminated; r == nil || r.ExitCode != 3 || p.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Fatalf("bad: %+v", p.Status.ContainerStatuses[0])
	}
	if condition(p, v1.PodReady) != v1.ConditionFalse {
		t.Fatal("a failed pod is not ready")
	}
	// A terminal pod's sandbox is stopped (its IP freed); containers stay for logs.
	waitFor(t, "sandbox of the finished pod stopped", func() bool {
		sbs, _ := h.rt.ListPodSandbox(context.Background(), &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: string(p.UID)}})
		return len(sbs) == 1 && sbs[0].State == runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	})
}

func TestOnFailureRestartsUntilSuccess(t *testing.T) {
	h := newHarness(t)
	pod := simplePod("job", map[string]string{"sim.orca.dev/exit-code": "1", "sim.orca.dev/until-attempt": "2"})
	pod.Spec.RestartPolicy = v1.RestartPolicyOnFailure
	h.create(pod)
	// Attempts 0 and 1 fail; attempt 2 keeps running.
	h.waitPod("job", "restarted twice and running", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount == 2 && cs[0].State.Running != nil
	})
	done := simplePod("done", map[string]string{"sim.orca.dev/exit-code": "0"})
	done.Spec.RestartPolicy = v1.RestartPolicyOnFailure
	h.create(done)
	p := h.waitPod("done", "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
	if rc := p.Status.ContainerStatuses[0].RestartCount; rc != 0 {
		t.Fatalf("a succeeded container was restarted %d times", rc)
	}
}

func TestInitContainersRunInOrder(t *testing.T) {
	h := newHarness(t)
	pod := simplePod("init", map[string]string{"sim.orca.dev/exit-code.one": "0", "sim.orca.dev/exit-code.two": "0"})
	pod.Spec.InitContainers = []v1.Container{
		{Name: "one", Image: "busybox", ImagePullPolicy: v1.PullIfNotPresent},
		{Name: "two", Image: "busybox", ImagePullPolicy: v1.PullIfNotPresent},
	}
	h.create(pod)
	p := h.waitPod("init", "Running after init", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodRunning })
	one, two := p.Status.InitContainerStatuses[0].State.Terminated, p.Status.InitContainerStatuses[1].State.Terminated
	if one == nil || two == nil || one.Reason != "Completed" || two.StartedAt.Before(&one.FinishedAt) {
		t.Fatalf("init statuses %+v", p.Status.InitContainerStatuses)
	}
	if condition(p, v1.PodInitialized) != v1.ConditionTrue {
		t.Fatal("not Initialized")
	}
}

func TestFailingInitBlocksApp(t *testing.T) {
	h := newHarness(t)
	pod := simplePod("initfail", map[string]string{"sim.orca.dev/exit-code.setup": "2"})
	pod.Spec.RestartPolicy = v1.RestartPolicyNever
	pod.Spec.InitContainers = []v1.Container{{Name: "setup", Image: "busybox", ImagePullPolicy: v1.PullIfNotPresent}}
	h.create(pod)
	p := h.waitPod("initfail", "Failed", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
	if w := p.Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "PodInitializing" {
		t.Fatalf("app container: %+v", p.Status.ContainerStatuses[0].State)
	}
}

func TestImagePullErrors(t *testing.T) {
	h := newHarness(t)
	never := simplePod("never", nil)
	never.Spec.Containers[0].Image = "missing:1"
	never.Spec.Containers[0].ImagePullPolicy = v1.PullNever
	h.create(never)
	h.waitPod("never", "ErrImageNeverPull", func(p *v1.Pod) bool {
		if len(p.Status.ContainerStatuses) == 0 {
			return false
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && w.Reason == "ErrImageNeverPull" && p.Status.Phase == v1.PodPending
	})
}

func TestDeletionStopsAndRemovesPod(t *testing.T) {
	h := newHarness(t)
	h.create(simplePod("gone", nil))
	p := h.waitPod("gone", "Running", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodRunning })
	// The fake API has no graceful deletion: mark it as the server would.
	now := metav1.Now()
	grace := int64(1)
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &now, &grace
	if _, err := h.client.CoreV1().Pods("default").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod object deleted by the kubelet", func() bool {
		_, err := h.client.CoreV1().Pods("default").Get(context.Background(), "gone", metav1.GetOptions{})
		return err != nil
	})
	waitFor(t, "runtime empty", func() bool {
		rp, err := readRuntimePod(context.Background(), h.rt, p.UID)
		return err == nil && rp.empty()
	})
}

func TestOrphansAreRemovedAfterRestart(t *testing.T) {
	h := newHarness(t)
	h.create(simplePod("keep", nil))
	h.create(simplePod("orphan", nil))
	h.waitPod("orphan", "Running", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodRunning })
	keep := h.waitPod("keep", "Running", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodRunning })
	keepID := keep.Status.ContainerStatuses[0].ContainerID
	h.stop()
	// Deleted while the kubelet was down.
	if err := h.client.CoreV1().Pods("default").Delete(context.Background(), "orphan", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	k2 := New(h.k.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); k2.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "orphan removed from the runtime", func() bool {
		rp, err := readRuntimePod(context.Background(), h.rt, "uid-orphan")
		return err == nil && rp.empty()
	})
	// The kept pod's container was adopted, not restarted.
	time.Sleep(300 * time.Millisecond) // several relists: nothing must change
	p, _ := h.client.CoreV1().Pods("default").Get(context.Background(), "keep", metav1.GetOptions{})
	if got := p.Status.ContainerStatuses[0]; got.ContainerID != keepID || got.RestartCount != 0 {
		t.Fatalf("kept pod's container changed: %+v", got)
	}
}

func TestNodeRegistersWithLease(t *testing.T) {
	h := newHarness(t)
	waitFor(t, "node registered Ready", func() bool {
		n, err := h.client.CoreV1().Nodes().Get(context.Background(), testNode, metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, c := range n.Status.Conditions {
			if c.Type == v1.NodeReady && c.Status == v1.ConditionTrue {
				return n.Status.NodeInfo.ContainerRuntimeVersion != "" && n.Status.Capacity.Pods().Value() == 110
			}
		}
		return false
	})
	waitFor(t, "lease created", func() bool {
		l, err := h.client.CoordinationV1().Leases(leaseNamespace).Get(context.Background(), testNode, metav1.GetOptions{})
		return err == nil && l.Spec.RenewTime != nil && *l.Spec.HolderIdentity == testNode
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting: %s", what)
}

var _ = fmt.Sprint

func TestActiveDeadlineFailsPod(t *testing.T) {
	h := newHarness(t)
	pod := simplePod("deadline", nil)
	one := int64(1)
	pod.Spec.ActiveDeadlineSeconds = &one
	h.create(pod)
	p := h.waitPod("deadline", "Failed with DeadlineExceeded", func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodFailed && p.Status.Reason == "DeadlineExceeded"
	})
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Running != nil {
		t.Fatalf("container still running after the deadline: %+v", cs)
	}
}
