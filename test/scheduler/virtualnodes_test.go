package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"orca/internal/agent"
)

// TestVirtualNodesRunPods runs virtual nodes (the real kubelet on the
// simulated runtime) in this process: the scheduler spreads pods over them,
// their kubelets start them and report Running/Ready with pod IPs, a
// crashing pod goes into CrashLoopBackOff, and deleted pods disappear.
func TestVirtualNodesRunPods(t *testing.T) {
	ns := newNamespace(t)
	ctx, cancel := context.WithCancel(baseCtx)
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSimulated(ctx, agent.Config{
			Rest: loop, NodeName: ns, Simulate: 4, DataDir: t.TempDir(),
			Labels: map[string]string{"test": ns},
			Taints: []corev1.Taint{{Key: "test", Value: ns, Effect: corev1.TaintEffectNoSchedule}},
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("virtual nodes: %v", err)
		}
		for i := 0; i < 4; i++ {
			client.CoreV1().Nodes().Delete(context.Background(), fmt.Sprintf("%s-%04d", ns, i), metav1.DeleteOptions{})
		}
	}()
	const n = 40
	for i := 0; i < n; i++ {
		pod(t, ns, fmt.Sprintf("p%d", i), "100m")
	}
	pod(t, ns, "crash", "100m", func(p *corev1.Pod) { p.Annotations = map[string]string{"sim.orca.dev/crash": "true"} })

	perNode := map[string]int{}
	ips := map[string]bool{}
	poll(t, "all pods Running and Ready", func() bool {
		list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app!=crash"})
		if err != nil || len(list.Items) != n {
			return false
		}
		clear(perNode)
		clear(ips)
		for _, p := range list.Items {
			if p.Status.Phase != corev1.PodRunning || !podReady(&p) || p.Status.PodIP == "" {
				return false
			}
			perNode[p.Spec.NodeName]++
			// No node IPAM runs here: every virtual node uses the runtime's
			// default range, so addresses are unique per node only.
			ips[p.Spec.NodeName+"/"+p.Status.PodIP] = true
		}
		return true
	})
	if len(perNode) != 4 {
		t.Errorf("pods landed on %d virtual nodes, want 4: %v", len(perNode), perNode)
	}
	if len(ips) != n {
		t.Errorf("%d distinct pod IPs for %d pods", len(ips), n)
	}
	poll(t, "crashing pod in CrashLoopBackOff", func() bool {
		p, err := client.CoreV1().Pods(ns).Get(baseCtx, "crash", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 {
			return false
		}
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount >= 1 && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff"
	})
	node, err := client.CoreV1().Nodes().Get(baseCtx, ns+"-0000", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if node.Labels["orca.dev/virtual"] != "true" || node.Status.NodeInfo.KubeletVersion == "" {
		t.Errorf("virtual node labels/info: %v %+v", node.Labels, node.Status.NodeInfo)
	}
	if _, err := client.CoordinationV1().Leases("kube-node-lease").Get(baseCtx, node.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("node lease: %v", err)
	}
	if err := client.CoreV1().Pods(ns).DeleteCollection(baseCtx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "deleted pods removed by their kubelets", func() bool {
		list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 0
	})
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(baseCtx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("timed out: %s", what)
	}
}
