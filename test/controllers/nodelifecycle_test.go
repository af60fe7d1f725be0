package controllers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"
)

// nlcPod is a pod for the test's own virtual nodes (prefix), pinned to one
// of them when node is set, with extra tolerations.
func nlcPod(name, prefix, node string, tols ...corev1.Toleration) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			Containers:   []corev1.Container{{Name: "c", Image: "busybox"}},
			NodeSelector: map[string]string{"test": prefix},
			Tolerations:  append([]corev1.Toleration{testToleration(prefix)}, tols...),
		},
	}
	if node != "" {
		p.Spec.NodeSelector["kubernetes.io/hostname"] = node
	}
	return p
}

// nlcTolerate tolerates a NoExecute node taint for secs seconds (nil: forever).
func nlcTolerate(key string, secs *int64) corev1.Toleration {
	return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs}
}

func nlcGetNode(t *testing.T, name string) *corev1.Node {
	t.Helper()
	n, err := client.CoreV1().Nodes().Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func nlcHasTaint(n *corev1.Node, key string, effect corev1.TaintEffect) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key && t.Effect == effect {
			return true
		}
	}
	return false
}

func nlcNodeCondition(n *corev1.Node, ct corev1.NodeConditionType) corev1.NodeCondition {
	for _, c := range n.Status.Conditions {
		if c.Type == ct {
			return c
		}
	}
	return corev1.NodeCondition{}
}

func nlcPodGet(t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	p, err := client.CoreV1().Pods(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get pod %s: %v", name, err)
	}
	return p
}

func nlcPodCondition(p *corev1.Pod, ct corev1.PodConditionType) corev1.PodCondition {
	for _, c := range p.Status.Conditions {
		if c.Type == ct {
			return c
		}
	}
	return corev1.PodCondition{}
}

// nlcEvents is the reasons and messages of the events about an object.
func nlcEvents(t *testing.T, ns, kind, name string) string {
	t.Helper()
	sel := fields.Set{"involvedObject.kind": kind, "involvedObject.name": name}.AsSelector().String()
	list, err := client.CoreV1().Events(ns).List(baseCtx, metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range list.Items {
		fmt.Fprintf(&b, "%s %s: %s\n", e.Type, e.Reason, e.Message)
	}
	return b.String()
}

func nlcWaitRunning(t *testing.T, ns string, names ...string) {
	t.Helper()
	for _, name := range names {
		poll(t, 30*time.Second, "pod "+name+" ready", func() bool {
			p, err := client.CoreV1().Pods(ns).Get(baseCtx, name, metav1.GetOptions{})
			return err == nil && podReady(p)
		})
	}
}

// The admission plugin DefaultTolerationSeconds gives a pod upstream's
// two 300 s tolerations, and leaves a pod's own alone.
func TestNodeLifecycleDefaultTolerations(t *testing.T) {
	ns := newNamespace(t)
	own := nlcTolerate(corev1.TaintNodeUnreachable, ptr.To[int64](7))
	for _, p := range []*corev1.Pod{nlcPod("plain", "none", ""), nlcPod("own", "none", "", own)} {
		if _, err := client.CoreV1().Pods(ns).Create(baseCtx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	secs := func(p *corev1.Pod) map[string]string {
		out := map[string]string{}
		for _, tol := range p.Spec.Tolerations {
			if tol.Effect == corev1.TaintEffectNoExecute && tol.Operator == corev1.TolerationOpExists && tol.TolerationSeconds != nil {
				out[tol.Key] = fmt.Sprint(*tol.TolerationSeconds)
			}
		}
		return out
	}
	if got := secs(nlcPodGet(t, ns, "plain")); got[corev1.TaintNodeNotReady] != "300" || got[corev1.TaintNodeUnreachable] != "300" || len(got) != 2 {
		t.Errorf("plain pod's NoExecute tolerations: %v", got)
	}
	if got := secs(nlcPodGet(t, ns, "own")); got[corev1.TaintNodeNotReady] != "300" || got[corev1.TaintNodeUnreachable] != "7" || len(got) != 2 {
		t.Errorf("pod with its own unreachable toleration: %v", got)
	}
}

// A node whose kubelet stops: within the grace period it is Ready=Unknown
// (NodeStatusUnknown) and tainted unreachable NoExecute and NoSchedule, with
// a NodeNotReady event; its pods are marked not Ready; a pod tolerating
// 0 s is evicted at once (DisruptionTarget, TaintManagerEviction event), a
// pod tolerating 2 s not before 2 s, a pod tolerating forever and a pod with
// the default 300 s stay. A restarted kubelet clears the taints.
func TestNodeLifecycleUnreachableNode(t *testing.T) {
	prefix := "nlc-unreach"
	// One node: a second one dying with it would be tainted only 10 s
	// later (--node-eviction-rate 0.1 per zone).
	stop := virtualNodes(t, prefix, 1)
	node := prefix + "-0000"
	ns := newNamespace(t)
	pods := []*corev1.Pod{
		nlcPod("zero", prefix, node, nlcTolerate(corev1.TaintNodeUnreachable, ptr.To[int64](0))),
		nlcPod("two", prefix, node, nlcTolerate(corev1.TaintNodeUnreachable, ptr.To[int64](2))),
		nlcPod("forever", prefix, node, nlcTolerate(corev1.TaintNodeUnreachable, nil)),
		nlcPod("default", prefix, node),
	}
	for _, p := range pods {
		if _, err := client.CoreV1().Pods(ns).Create(baseCtx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nlcWaitRunning(t, ns, "zero", "two", "forever", "default")

	stopped := time.Now()
	stop()
	var tainted time.Time
	poll(t, nodeGrace+15*time.Second, "node unreachable-tainted", func() bool {
		n := nlcGetNode(t, node)
		if nlcHasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) {
			tainted = time.Now()
			return true
		}
		return false
	})
	if d := tainted.Sub(stopped); d < nodeGrace-time.Second {
		t.Errorf("tainted %v after the kubelet stopped, before the %v grace period", d, nodeGrace)
	}
	n := nlcGetNode(t, node)
	ready := nlcNodeCondition(n, corev1.NodeReady)
	if ready.Status != corev1.ConditionUnknown || ready.Reason != "NodeStatusUnknown" || ready.Message != "Kubelet stopped posting node status." {
		t.Errorf("Ready condition %+v", ready)
	}
	for _, ct := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		if c := nlcNodeCondition(n, ct); c.Status != corev1.ConditionUnknown {
			t.Errorf("%s condition %+v", ct, c)
		}
	}
	if !nlcHasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) {
		t.Errorf("taints %v: no unreachable:NoSchedule", n.Spec.Taints)
	}
	for _, tn := range n.Spec.Taints {
		if tn.Effect == corev1.TaintEffectNoExecute && tn.TimeAdded == nil {
			t.Errorf("NoExecute taint %v without timeAdded", tn)
		}
	}

	// The 2 s pod goes no sooner than 2 s after the taint.
	var evicted2 time.Time
	poll(t, 15*time.Second, "pod two evicted", func() bool {
		if p := nlcPodGet(t, ns, "two"); p.DeletionTimestamp != nil {
			evicted2 = time.Now()
			return true
		}
		return false
	})
	if d := evicted2.Sub(tainted); d < 2*time.Second-300*time.Millisecond {
		t.Errorf("pod tolerating 2 s evicted %v after the taint", d)
	}
	zero := nlcPodGet(t, ns, "zero")
	if zero.DeletionTimestamp == nil {
		t.Error("pod tolerating 0 s not evicted")
	}
	if c := nlcPodCondition(zero, corev1.DisruptionTarget); c.Status != corev1.ConditionTrue || c.Reason != "DeletionByTaintManager" {
		t.Errorf("evicted pod's DisruptionTarget condition: %+v", c)
	}
	for _, name := range []string{"forever", "default"} {
		p := nlcPodGet(t, ns, name)
		if p.DeletionTimestamp != nil {
			t.Errorf("pod %s evicted", name)
		}
		if c := nlcPodCondition(p, corev1.PodReady); c.Status != corev1.ConditionFalse {
			t.Errorf("pod %s on an unreachable node: Ready %+v", name, c)
		}
	}
	poll(t, 10*time.Second, "events", func() bool {
		return strings.Contains(nlcEvents(t, "default", "Node", node), "NodeNotReady: Node "+node+" status is now: NodeNotReady") &&
			strings.Contains(nlcEvents(t, ns, "Pod", "zero"), "TaintManagerEviction: Marking for deletion Pod "+ns+"/zero") &&
			strings.Contains(nlcEvents(t, ns, "Pod", "forever"), "Warning NodeNotReady: Node is not ready")
	})

	// The machine comes back: Ready, and the controller's taints are gone.
	virtualNodes(t, prefix, 1)
	poll(t, 15*time.Second, "taints removed from the restarted node", func() bool {
		n := nlcGetNode(t, node)
		for _, tn := range n.Spec.Taints {
			if strings.HasPrefix(tn.Key, "node.kubernetes.io/") {
				return false
			}
		}
		return nodeReady(n)
	})
}

// A cordoned node gets node.kubernetes.io/unschedulable:NoSchedule, an
// uncordoned one loses it (TaintNodesByCondition).
func TestNodeLifecycleCordonTaint(t *testing.T) {
	prefix := "nlc-cordon"
	virtualNodes(t, prefix, 1)
	node := prefix + "-0000"
	mustKubectl(t, "cordon", node)
	poll(t, 15*time.Second, "unschedulable taint", func() bool {
		return nlcHasTaint(nlcGetNode(t, node), corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	})
	mustKubectl(t, "uncordon", node)
	poll(t, 15*time.Second, "unschedulable taint removed", func() bool {
		return !nlcHasTaint(nlcGetNode(t, node), corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	})
}

// The seeds' self-healing story: a ReplicaSet's pods on a machine that dies
// are replaced on the healthy machine within grace period + toleration.
// (Needs the ReplicaSet controller.)
func TestNodeLifecycleReplicaSetPodsRecreated(t *testing.T) {
	a, b := "nlc-rs-a", "nlc-rs-b"
	stopA := virtualNodes(t, a, 1)
	stopB := virtualNodes(t, b, 1)
	ns := newNamespace(t)
	const toleration = 2
	labels := map[string]string{"app": "healer"}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "healer"},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](4),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "c", Image: "busybox"}},
					Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
						NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
							{Key: "test", Operator: corev1.NodeSelectorOpIn, Values: []string{a, b}},
						}}},
					}}},
					Tolerations: []corev1.Toleration{testToleration(a), testToleration(b),
						nlcTolerate(corev1.TaintNodeUnreachable, ptr.To[int64](toleration)),
						nlcTolerate(corev1.TaintNodeNotReady, ptr.To[int64](toleration))},
				},
			},
		},
	}
	if _, err := client.AppsV1().ReplicaSets(ns).Create(baseCtx, rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	healthy := func() map[string]int {
		list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=healer"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, p := range list.Items {
			if p.DeletionTimestamp == nil && podReady(&p) {
				out[p.Spec.NodeName]++
			}
		}
		return out
	}
	var before map[string]int
	poll(t, 60*time.Second, "4 ready replicas", func() bool {
		before = healthy()
		return before[a+"-0000"]+before[b+"-0000"] == 4
	})
	// Kill the machine holding the most pods.
	dead, alive, stop := a+"-0000", b+"-0000", stopA
	if before[b+"-0000"] > before[a+"-0000"] {
		dead, alive, stop = b+"-0000", a+"-0000", stopB
	}
	t.Logf("pods per node %v; stopping %s", before, dead)
	stopped := time.Now()
	stop()
	limit := nodeGrace + toleration*time.Second + 20*time.Second // + monitor period, scheduling and start
	poll(t, limit, "4 ready replicas on "+alive, func() bool {
		h := healthy()
		return h[alive] == 4 && h[dead] == 0
	})
	t.Logf("replaced within %v of the machine's death", time.Since(stopped).Round(100*time.Millisecond))
}
