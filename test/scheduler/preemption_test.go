package scheduler

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// finishTerminating stands in for the kubelet, which these tests lack: it
// completes the graceful deletion of pods on the test's nodes.
func finishTerminating(t *testing.T, ns string) {
	ctx, cancel := context.WithCancel(baseCtx)
	t.Cleanup(cancel)
	go wait.UntilWithContext(ctx, func(ctx context.Context) {
		pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return
		}
		zero := int64(0)
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				client.CoreV1().Pods(ns).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
			}
		}
	}, 50*time.Millisecond)
}

// A pending high-priority pod evicts the low-priority pod on the one node,
// is nominated there, and binds once the room is made.
func TestPreemption(t *testing.T) {
	ns := newNamespace(t)
	finishTerminating(t, ns)
	node(t, ns, "only", "2", "4Gi")
	prio := func(v int32) func(*corev1.Pod) { return withPriority(t, v) }
	pod(t, ns, "low", "1500m", prio(10))
	boundTo(t, ns, "low")
	pod(t, ns, "high", "1500m", prio(1000))
	err := wait.PollUntilContextTimeout(baseCtx, 20*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := client.CoreV1().Pods(ns).Get(ctx, "high", metav1.GetOptions{})
		return err == nil && (p.Status.NominatedNodeName == ns+"-only" || p.Spec.NodeName != ""), nil
	})
	if err != nil {
		t.Fatal("high-priority pod never nominated")
	}
	if got := boundTo(t, ns, "high"); got != ns+"-only" {
		t.Fatalf("bound to %s", got)
	}
	if _, err := client.CoreV1().Pods(ns).Get(baseCtx, "low", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("victim still there: %v", err)
	}
	// Equal priority never preempts.
	pod(t, ns, "peer", "1500m", prio(1000))
	msg := unschedulable(t, ns, "peer")
	if want := "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."; msg != want {
		t.Fatalf("message:\n got %q\nwant %q", msg, want)
	}
}
