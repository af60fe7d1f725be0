package scheduler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"orca/internal/scheduler"
)

// A scheduler started afresh (new informers, new cache) must know every
// pod already bound before it places a pending one. Seen with orca up:
// after a restart, a pod wanting a taken hostPort was bound next to the
// holder, because the new scheduler popped the pending pod (listed first:
// its name sorts first) before its handler had added the holder.
func TestRestartKeepsNodesBooked(t *testing.T) {
	t.Run("idle holders", func(t *testing.T) { testRestartKeepsNodesBooked(t, false) })
	t.Run("holders restarting", func(t *testing.T) { testRestartKeepsNodesBooked(t, true) })
}

// restartFillers are bound pods listed between the pending pods and their
// holders: the longer the initial list a new scheduler must take in, the
// wider the window in which it could schedule on half a cache.
const restartFillers = 300

func testRestartKeepsNodesBooked(t *testing.T, churn bool) {
	ns := newNamespace(t)
	name := "restart-" + ns
	stop := startScheduler(t, name)
	mine := func(nodeName string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.SchedulerName = name
			p.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": ns + "-" + nodeName}
		}
	}
	node(t, ns, "ports", "4", "4Gi")
	node(t, ns, "cpu", "2", "4Gi")

	// The holders' names sort after everything else in the namespace.
	pod(t, ns, "z-port-holder", "100m", mine("ports"), withHostPort(18080))
	pod(t, ns, "z-cpu-holder", "1500m", mine("cpu"))
	for _, h := range []string{"z-port-holder", "z-cpu-holder"} {
		boundTo(t, ns, h)
		setRunning(t, ns, h, true, 0)
	}
	for i := range restartFillers {
		pod(t, ns, fmt.Sprintf("m-filler-%03d", i), "0", func(p *corev1.Pod) {
			p.Labels["filler"] = "true"
			p.Spec.NodeName = ns + "-nowhere"
		})
	}
	t.Cleanup(func() {
		// No kubelet finishes their deletion: remove them at once.
		zero := int64(0)
		client.CoreV1().Pods(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{GracePeriodSeconds: &zero}, //nolint:errcheck
			metav1.ListOptions{LabelSelector: "filler=true"})
	})
	// The clashing pods' names sort first.
	pod(t, ns, "a-port-clash", "100m", mine("ports"), withHostPort(18080))
	pod(t, ns, "a-cpu-clash", "1", mine("cpu"))
	clashes := map[string]string{
		"a-port-clash": "1 node(s) didn't have free ports for the requested pod ports",
		"a-cpu-clash":  "1 Insufficient cpu",
	}
	for c := range clashes {
		unschedulable(t, ns, c)
	}

	stop()
	// Forget the old verdicts, so that seeing them again proves the new
	// scheduler has tried each pod.
	for c := range clashes {
		clearScheduledCondition(t, ns, c)
	}
	churnDone := make(chan struct{})
	if churn {
		// The holders' kubelet restarts with the scheduler: containers
		// restart, readiness flips, phase goes Pending and back.
		ctx, cancel := context.WithCancel(baseCtx)
		go func() {
			defer close(churnDone)
			for i := 1; ctx.Err() == nil; i++ {
				for _, h := range []string{"z-port-holder", "z-cpu-holder"} {
					setRunning(nil, ns, h, i%2 == 0, int32(i))
				}
			}
		}()
		defer func() { cancel(); <-churnDone }()
	} else {
		close(churnDone)
	}
	startScheduler(t, name)
	for c, want := range clashes {
		msg := unschedulable(t, ns, c)
		if !strings.Contains(msg, want) {
			t.Errorf("%s after the restart: %q, want it to say %q", c, msg, want)
		}
	}
	// A node event makes the new scheduler try both again; still pending.
	for c := range clashes {
		clearScheduledCondition(t, ns, c)
	}
	touchNode(t, ns+"-ports")
	for c := range clashes {
		unschedulable(t, ns, c)
	}
	for c := range clashes {
		p, err := client.CoreV1().Pods(ns).Get(baseCtx, c, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Spec.NodeName != "" {
			t.Errorf("%s bound to %s after the scheduler restarted", c, p.Spec.NodeName)
		}
	}
}

// startScheduler runs a scheduler for pods naming it (no leader election,
// so it does not disturb the shared one); stop waits until it returned.
func startScheduler(t *testing.T, name string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(baseCtx)
	done := make(chan error, 1)
	go func() { done <- scheduler.Run(ctx, loop, scheduler.Options{SchedulerName: name}) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("scheduler %s: %v", name, err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func withHostPort(port int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: port, Protocol: corev1.ProtocolTCP}}
	}
}

// setRunning writes the status a kubelet would: Running, with the given
// readiness and restart count. t nil: errors are ignored (background use).
func setRunning(t *testing.T, ns, name string, ready bool, restarts int32) {
	p, err := client.CoreV1().Pods(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		if t != nil {
			t.Fatal(err)
		}
		return
	}
	status := corev1.ConditionFalse
	phase := corev1.PodPending
	if ready {
		status, phase = corev1.ConditionTrue, corev1.PodRunning
	}
	now := metav1.Now()
	p.Status.Phase = phase
	p.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		{Type: corev1.PodReady, Status: status, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: status, LastTransitionTime: now},
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", Image: "busybox", Ready: ready, RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}}
	if _, err := client.CoreV1().Pods(ns).UpdateStatus(baseCtx, p, metav1.UpdateOptions{}); err != nil && t != nil {
		t.Fatal(err)
	}
}

func clearScheduledCondition(t *testing.T, ns, name string) {
	t.Helper()
	p, err := client.CoreV1().Pods(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kept := p.Status.Conditions[:0]
	for _, c := range p.Status.Conditions {
		if c.Type != corev1.PodScheduled {
			kept = append(kept, c)
		}
	}
	p.Status.Conditions = kept
	if _, err := client.CoreV1().Pods(ns).UpdateStatus(baseCtx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// touchNode changes a node's labels: a cluster event for the scheduler.
func touchNode(t *testing.T, name string) {
	t.Helper()
	n, err := client.CoreV1().Nodes().Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Labels["touched"] = time.Now().Format("150405.000000")
	if _, err := client.CoreV1().Nodes().Update(baseCtx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
