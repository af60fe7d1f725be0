package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeHostPort: a container port with a hostPort answers on the node's
// address (CNI portmap), and a second pod wanting the same hostPort is not
// scheduled onto the node.
func nodeHostPort(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "hostport")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	pod := serverPod(ns, "hp")
	pod.Spec.Containers[0].Ports[0].HostPort = int32(port)
	n.createPod(t, pod)
	n.waitPod(t, ns, "hp", "Running and Ready", 60*time.Second, runningReady)
	ip := n.nodeInternalIP(t)
	if got := waitHTTP(t, fmt.Sprintf("http://%s:%d/", ip, port), 20*time.Second); got != "hp\n" {
		t.Errorf("node %s:%d answered %q, want the pod's name", ip, port, got)
	}
	clash := serverPod(ns, "clash")
	clash.Spec.Containers[0].Ports[0].HostPort = int32(port)
	n.createPod(t, clash)
	n.waitEvent(t, ns, "clash", corev1.EventTypeWarning, "FailedScheduling", "didn't have free ports for the requested pod ports", 30*time.Second)
	p, err := n.CS.CoreV1().Pods(ns).Get(context.Background(), "clash", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.NodeName != "" {
		t.Errorf("the clashing pod was bound to %q; want it pending", p.Spec.NodeName)
	}
	// agent-restart checks the same across a restart of orca up.
}
