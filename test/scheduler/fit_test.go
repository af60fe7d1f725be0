package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func gpuTaint(n *corev1.Node) {
	n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule})
}

// An unschedulable pod gets upstream's message, then lands once a node
// with room appears (requeue on the node-added event, not a timer).
func TestResourceFitTaintsAndRequeue(t *testing.T) {
	ns := newNamespace(t)
	node(t, ns, "small", "1", "4Gi")
	node(t, ns, "gpu-1", "8", "4Gi", gpuTaint)
	node(t, ns, "gpu-2", "8", "4Gi", gpuTaint)
	pod(t, ns, "big", "2")
	want := "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. " +
		"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	if got := unschedulable(t, ns, "big"); got != want {
		t.Fatalf("message:\n got %q\nwant %q", got, want)
	}
	node(t, ns, "large", "4", "4Gi")
	if got := boundTo(t, ns, "big"); got != ns+"-large" {
		t.Fatalf("bound to %s, want %s-large", got, ns)
	}
}

// Requests add up: two pods of 600m cannot share a 1-CPU node.
func TestResourcesAccumulate(t *testing.T) {
	ns := newNamespace(t)
	node(t, ns, "a", "1", "4Gi")
	node(t, ns, "b", "1", "4Gi")
	pod(t, ns, "p1", "600m")
	n1 := boundTo(t, ns, "p1")
	pod(t, ns, "p2", "600m")
	n2 := boundTo(t, ns, "p2")
	if n1 == n2 {
		t.Fatalf("both 600m pods bound to %s (1 CPU)", n1)
	}
	pod(t, ns, "p3", "600m")
	if got := unschedulable(t, ns, "p3"); got != "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod." {
		t.Fatalf("message %q", got)
	}
}

func TestNodeSelectorAndAffinity(t *testing.T) {
	ns := newNamespace(t)
	zone := func(z string) func(*corev1.Node) {
		return func(n *corev1.Node) { n.Labels["topology.kubernetes.io/zone"] = z }
	}
	node(t, ns, "a", "2", "4Gi", zone("a"))
	node(t, ns, "b", "2", "4Gi", zone("b"))
	pod(t, ns, "in-b", "100m", func(p *corev1.Pod) { p.Spec.NodeSelector["topology.kubernetes.io/zone"] = "b" })
	if got := boundTo(t, ns, "in-b"); got != ns+"-b" {
		t.Fatalf("nodeSelector zone=b: bound to %s", got)
	}
	pod(t, ns, "required-a", "100m", func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
	})
	if got := boundTo(t, ns, "required-a"); got != ns+"-a" {
		t.Fatalf("required affinity zone=a: bound to %s", got)
	}
	pod(t, ns, "prefer-b", "100m", func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{
			Weight: 100, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"b"}}}}}}}}
	})
	if got := boundTo(t, ns, "prefer-b"); got != ns+"-b" {
		t.Fatalf("preferred affinity zone=b: bound to %s", got)
	}
	pod(t, ns, "nowhere", "100m", func(p *corev1.Pod) { p.Spec.NodeSelector["topology.kubernetes.io/zone"] = "c" })
	if got := unschedulable(t, ns, "nowhere"); got != "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling." {
		t.Fatalf("message %q", got)
	}
}

func TestHostPortConflicts(t *testing.T) {
	ns := newNamespace(t)
	node(t, ns, "a", "2", "4Gi")
	node(t, ns, "b", "2", "4Gi")
	hostPort := func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080, Protocol: corev1.ProtocolTCP}}
	}
	pod(t, ns, "web-1", "100m", hostPort)
	pod(t, ns, "web-2", "100m", hostPort)
	if a, b := boundTo(t, ns, "web-1"), boundTo(t, ns, "web-2"); a == b {
		t.Fatalf("two pods with hostPort 8080 on %s", a)
	}
	pod(t, ns, "web-3", "100m", hostPort)
	if got := unschedulable(t, ns, "web-3"); got != "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod." {
		t.Fatalf("message %q", got)
	}
}

// Pods for another scheduler are left alone.
func TestOtherSchedulerName(t *testing.T) {
	ns := newNamespace(t)
	node(t, ns, "a", "2", "4Gi")
	pod(t, ns, "mine", "100m")
	pod(t, ns, "theirs", "100m", func(p *corev1.Pod) { p.Spec.SchedulerName = "other-scheduler" })
	boundTo(t, ns, "mine")
	p, err := client.CoreV1().Pods(ns).Get(baseCtx, "theirs", metav1.GetOptions{})
	if err != nil || p.Spec.NodeName != "" || len(p.Status.Conditions) != 0 {
		t.Fatalf("pod for another scheduler touched: node %q conditions %v (%v)", p.Spec.NodeName, p.Status.Conditions, err)
	}
}
