package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func zoned(z string) func(*corev1.Node) {
	return func(n *corev1.Node) { n.Labels["topology.kubernetes.io/zone"] = z }
}

// Required anti-affinity on hostname puts each replica on its own node,
// and a replica with nowhere left to go is reported with upstream's reason.
func TestAntiAffinitySpreadsReplicas(t *testing.T) {
	ns := newNamespace(t)
	for _, n := range []string{"a", "b", "c"} {
		node(t, ns, n, "4", "8Gi")
	}
	anti := func(p *corev1.Pod) {
		p.Labels["app"] = "web"
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, TopologyKey: "kubernetes.io/hostname"}}}}
	}
	seen := map[string]string{}
	for _, name := range []string{"web-0", "web-1", "web-2"} {
		pod(t, ns, name, "100m", anti)
		n := boundTo(t, ns, name)
		if other, dup := seen[n]; dup {
			t.Fatalf("%s and %s both on %s", other, name, n)
		}
		seen[n] = name
	}
	pod(t, ns, "web-3", "100m", anti)
	want := "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
	if got := unschedulable(t, ns, "web-3"); got != want {
		t.Fatalf("message:\n got %q\nwant %q", got, want)
	}
}

// maxSkew 1 across two zones: four pods end up two and two.
func TestTopologySpreadAcrossZones(t *testing.T) {
	ns := newNamespace(t)
	node(t, ns, "a1", "4", "8Gi", zoned("a"))
	node(t, ns, "a2", "4", "8Gi", zoned("a"))
	node(t, ns, "b1", "4", "8Gi", zoned("b"))
	spread := func(p *corev1.Pod) {
		p.Labels["app"] = "api"
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone",
			WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}}}
	}
	zones := map[string]int{}
	for _, name := range []string{"api-0", "api-1", "api-2", "api-3"} {
		pod(t, ns, name, "100m", spread)
		n := boundTo(t, ns, name)
		if n == ns+"-b1" {
			zones["b"]++
		} else {
			zones["a"]++
		}
		if d := zones["a"] - zones["b"]; d > 1 || d < -1 {
			t.Fatalf("skew %v after %s", zones, name)
		}
	}
	if zones["a"] != 2 || zones["b"] != 2 {
		t.Fatalf("zones %v, want 2/2", zones)
	}
}

// The higher-priority pod is placed first when both wait for room.
func TestPriorityOrder(t *testing.T) {
	ns := newNamespace(t)
	prio := func(v int32) func(*corev1.Pod) { return withPriority(t, v) }
	pod(t, ns, "low", "1500m", prio(1))
	pod(t, ns, "high", "1500m", prio(1000))
	unschedulable(t, ns, "low")
	unschedulable(t, ns, "high")
	node(t, ns, "only", "2", "4Gi") // room for one of them
	if got := boundTo(t, ns, "high"); got != ns+"-only" {
		t.Fatalf("high bound to %s", got)
	}
	p, err := client.CoreV1().Pods(ns).Get(baseCtx, "low", metav1.GetOptions{})
	if err != nil || p.Spec.NodeName != "" {
		t.Fatalf("low-priority pod bound to %q (%v)", p.Spec.NodeName, err)
	}
}
