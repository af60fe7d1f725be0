package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
)

// dsNew is a DaemonSet labelled app=name whose pods go only to the
// virtual nodes of the given prefixes (required node affinity on their
// test label, plus their tolerations), so other tests' nodes never
// change its counts.
func dsNew(name string, prefixes ...string) *appsv1.DaemonSet {
	var tols []corev1.Toleration
	for _, p := range prefixes {
		tols = append(tols, testToleration(p))
	}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{
					Containers:                    []corev1.Container{{Name: "main", Image: "nginx:1.27"}},
					Tolerations:                   tols,
					TerminationGracePeriodSeconds: new(int64(1)),
					Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
							MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "test", Operator: corev1.NodeSelectorOpIn, Values: prefixes}},
						}}},
					}},
				},
			},
		},
	}
}

func dsCreate(t *testing.T, ns string, ds *appsv1.DaemonSet) *appsv1.DaemonSet {
	t.Helper()
	got, err := client.AppsV1().DaemonSets(ns).Create(baseCtx, ds, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func dsGet(t *testing.T, ns, name string) *appsv1.DaemonSet {
	t.Helper()
	ds, err := client.AppsV1().DaemonSets(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// dsPods are the DaemonSet's pods not being deleted, by node.
func dsPods(t *testing.T, ns, name string) map[string][]corev1.Pod {
	t.Helper()
	l, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]corev1.Pod{}
	for _, p := range l.Items {
		if p.DeletionTimestamp == nil {
			out[p.Spec.NodeName] = append(out[p.Spec.NodeName], p)
		}
	}
	return out
}

// dsOnePerNode: exactly one ready pod on each of nodes, none elsewhere.
func dsOnePerNode(t *testing.T, ns, name string, nodes ...string) func() bool {
	return func() bool {
		byNode := dsPods(t, ns, name)
		if len(byNode) != len(nodes) {
			return false
		}
		for _, n := range nodes {
			if len(byNode[n]) != 1 || !podReady(&byNode[n][0]) {
				return false
			}
		}
		return true
	}
}

// dsStatus waits for status counts (desired, current, ready, updated,
// available, misscheduled) with observedGeneration current.
func dsStatus(t *testing.T, ns, name string, desired, current, ready, updated, available, misscheduled int32) {
	t.Helper()
	var last appsv1.DaemonSetStatus
	ok := func() bool {
		ds := dsGet(t, ns, name)
		s := ds.Status
		last = s
		return s.ObservedGeneration == ds.Generation && s.DesiredNumberScheduled == desired && s.CurrentNumberScheduled == current &&
			s.NumberReady == ready && s.UpdatedNumberScheduled == updated && s.NumberAvailable == available &&
			s.NumberUnavailable == desired-available && s.NumberMisscheduled == misscheduled
	}
	err := wait.PollUntilContextTimeout(baseCtx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) { return ok(), nil })
	if err != nil {
		t.Fatalf("status %+v, want desired %d current %d ready %d updated %d available %d misscheduled %d",
			last, desired, current, ready, updated, available, misscheduled)
	}
}

func nodeNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}

// A DaemonSet runs one pod on each eligible node: the pods carry
// upstream's daemon tolerations and are pinned by node affinity; a new
// node gets a pod; a node relabelled out of the selector or tainted
// NoExecute loses its pod.
func TestDaemonSetOnePodPerNode(t *testing.T) {
	virtualNodes(t, "dsa", 3)
	ns := newNamespace(t)
	dsCreate(t, ns, dsNew("agent", "dsa", "dsb"))
	a := nodeNames("dsa", 3)
	poll(t, 30*time.Second, "one ready pod on each of 3 nodes", dsOnePerNode(t, ns, "agent", a...))
	dsStatus(t, ns, "agent", 3, 3, 3, 3, 3, 0)

	pod := dsPods(t, ns, "agent")[a[0]][0]
	tols := map[string]corev1.Toleration{}
	for _, tol := range pod.Spec.Tolerations {
		tols[tol.Key+":"+string(tol.Effect)] = tol
	}
	for _, k := range []string{
		"node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute",
		"node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule",
		"node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule",
	} {
		tol, ok := tols[k]
		if !ok || tol.Operator != corev1.TolerationOpExists {
			t.Errorf("pod lacks default toleration %s: %+v", k, pod.Spec.Tolerations)
		}
		if ok && tol.TolerationSeconds != nil {
			t.Errorf("toleration %s has tolerationSeconds %d; daemon pods are never evicted for it", k, *tol.TolerationSeconds)
		}
	}
	if _, ok := tols["node.kubernetes.io/network-unavailable:NoSchedule"]; ok {
		t.Errorf("network-unavailable toleration without hostNetwork")
	}
	terms := pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || len(terms[0].MatchFields) != 1 || terms[0].MatchFields[0].Key != "metadata.name" || terms[0].MatchFields[0].Values[0] != a[0] {
		t.Errorf("pod not pinned to its node by matchFields: %+v", terms)
	}
	if ref := metav1.GetControllerOf(&pod); ref == nil || ref.Kind != "DaemonSet" || ref.Name != "agent" {
		t.Errorf("controller ref %+v", ref)
	}
	if ev := objectEventsOf(t, ns, "agent"); strings.Count(ev, "SuccessfulCreate") < 3 {
		t.Errorf("events: %s", ev)
	}

	// A new eligible node gets its pod.
	virtualNodes(t, "dsb", 1)
	all := append(append([]string{}, a...), "dsb-0000")
	poll(t, 30*time.Second, "a pod on the new node", dsOnePerNode(t, ns, "agent", all...))
	dsStatus(t, ns, "agent", 4, 4, 4, 4, 4, 0)

	// Relabelled out of the affinity: the pod goes.
	mustKubectl(t, "label", "node", a[1], "test=elsewhere", "--overwrite")
	poll(t, 30*time.Second, "the pod on the relabelled node gone", dsOnePerNode(t, ns, "agent", a[0], a[2], "dsb-0000"))
	dsStatus(t, ns, "agent", 3, 3, 3, 3, 3, 0)

	// A NoSchedule taint the pod does not tolerate keeps the running pod
	// (no longer desired there: counted misscheduled, as upstream); a
	// NoExecute one removes it.
	mustKubectl(t, "taint", "node", a[2], "dstest=x:NoSchedule")
	dsStatus(t, ns, "agent", 2, 2, 2, 2, 2, 1)
	if n := len(dsPods(t, ns, "agent")[a[2]]); n != 1 {
		t.Errorf("NoSchedule taint: %d pods on the node, want the running one kept", n)
	}
	mustKubectl(t, "taint", "node", a[2], "dstest=x:NoExecute")
	poll(t, 30*time.Second, "the pod on the NoExecute node gone", dsOnePerNode(t, ns, "agent", a[0], "dsb-0000"))
	dsStatus(t, ns, "agent", 2, 2, 2, 2, 2, 0)
}

// objectEventsOf are the reasons and messages of the events about name.
func objectEventsOf(t *testing.T, ns, name string) string {
	t.Helper()
	l, err := client.CoreV1().Events(ns).List(baseCtx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range l.Items {
		fmt.Fprintf(&b, "%s %s: %s\n", e.Type, e.Reason, e.Message)
	}
	return b.String()
}

// dsMonitor watches a DaemonSet's pods and records the most nodes that
// were ever without an available (ready, not deleting) pod at once.
type dsMonitor struct {
	pw      *podWatch
	nodes   []string
	maxDown int
}

func dsWatch(t *testing.T, ns, name string, nodes []string) *dsMonitor {
	t.Helper()
	m := &dsMonitor{nodes: nodes}
	m.pw = watchPods(t, ns, "app="+name, m.observe)
	return m
}

func (m *dsMonitor) observe(pods map[string]*corev1.Pod) {
	up := map[string]bool{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil && podReady(p) {
			up[p.Spec.NodeName] = true
		}
	}
	down := 0
	for _, n := range m.nodes {
		if !up[n] {
			down++
		}
	}
	m.maxDown = max(m.maxDown, down)
}

func (m *dsMonitor) stop() int {
	m.pw.stop()
	return m.maxDown
}

// dsImages are the images of the DaemonSet's live pods, sorted.
func dsImages(t *testing.T, ns, name string) []string {
	var out []string
	for _, ps := range dsPods(t, ns, name) {
		for _, p := range ps {
			out = append(out, p.Spec.Containers[0].Image)
		}
	}
	sort.Strings(out)
	return out
}

func dsAllImage(t *testing.T, ns, name, image string, n int) func() bool {
	return func() bool {
		imgs := dsImages(t, ns, name)
		if len(imgs) != n {
			return false
		}
		for _, i := range imgs {
			if i != image {
				return false
			}
		}
		return true
	}
}

// A RollingUpdate replaces pods node by node, never more than
// maxUnavailable nodes without an available pod; kubectl rollout status,
// history and undo work on it.
func TestDaemonSetRollingUpdateAndUndo(t *testing.T) {
	virtualNodes(t, "dsr", 3)
	nodes := nodeNames("dsr", 3)
	ns := newNamespace(t)
	dsCreate(t, ns, dsNew("roll", "dsr"))
	mustKubectl(t, "-n", ns, "rollout", "status", "daemonset/roll", "--timeout=60s")
	dsStatus(t, ns, "roll", 3, 3, 3, 3, 3, 0)

	m := dsWatch(t, ns, "roll", nodes)
	mustKubectl(t, "-n", ns, "set", "image", "daemonset/roll", "main=nginx:1.28")
	out := mustKubectl(t, "-n", ns, "rollout", "status", "daemonset/roll", "--timeout=60s")
	if !strings.Contains(out, `daemon set "roll" successfully rolled out`) {
		t.Errorf("rollout status: %s", out)
	}
	poll(t, 30*time.Second, "all pods on nginx:1.28", dsAllImage(t, ns, "roll", "nginx:1.28", 3))
	if down := m.stop(); down > 1 {
		t.Errorf("%d nodes were without an available pod at once; maxUnavailable is 1", down)
	}
	dsStatus(t, ns, "roll", 3, 3, 3, 3, 3, 0)

	hist := mustKubectl(t, "-n", ns, "rollout", "history", "daemonset/roll")
	if !dsHistoryRevisions(hist, "1", "2") {
		t.Errorf("history lacks revisions 1 and 2:\n%s", hist)
	}
	// Pods carry the hash of the current revision.
	revs, err := client.AppsV1().ControllerRevisions(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=roll"})
	if err != nil {
		t.Fatal(err)
	}
	var curHash string
	for _, r := range revs.Items {
		if r.Revision == 2 {
			curHash = r.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
			if r.Name != "roll-"+curHash {
				t.Errorf("revision name %s, want roll-%s", r.Name, curHash)
			}
		}
	}
	for _, ps := range dsPods(t, ns, "roll") {
		for _, p := range ps {
			if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] != curHash || curHash == "" {
				t.Errorf("pod %s hash %q, want %q", p.Name, p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey], curHash)
			}
		}
	}

	m = dsWatch(t, ns, "roll", nodes)
	mustKubectl(t, "-n", ns, "rollout", "undo", "daemonset/roll")
	mustKubectl(t, "-n", ns, "rollout", "status", "daemonset/roll", "--timeout=60s")
	poll(t, 30*time.Second, "all pods back on nginx:1.27", dsAllImage(t, ns, "roll", "nginx:1.27", 3))
	if down := m.stop(); down > 1 {
		t.Errorf("undo: %d nodes without an available pod at once", down)
	}
	hist = mustKubectl(t, "-n", ns, "rollout", "history", "daemonset/roll")
	if !dsHistoryRevisions(hist, "2", "3") || dsHistoryRevisions(hist, "1") {
		t.Errorf("after undo the history should be revisions 2 and 3 (1 renumbered):\n%s", hist)
	}
	if ev := objectEventsOf(t, ns, "roll"); !strings.Contains(ev, "SuccessfulDelete") {
		t.Errorf("no SuccessfulDelete events: %s", ev)
	}
}

// dsHistoryRevisions: the revisions appear as rows of `rollout history`.
func dsHistoryRevisions(out string, revs ...string) bool {
	rows := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = true
		}
	}
	for _, r := range revs {
		if !rows[r] {
			return false
		}
	}
	return true
}

// maxSurge: the new pod starts beside the old one, which goes once the
// new one is available, so no node is ever without an available pod.
func TestDaemonSetRollingUpdateSurge(t *testing.T) {
	virtualNodes(t, "dss", 2)
	nodes := nodeNames("dss", 2)
	ns := newNamespace(t)
	ds := dsNew("surge", "dss")
	surge, zero := intstr.FromInt32(1), intstr.FromInt32(0)
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxSurge: &surge, MaxUnavailable: &zero}}
	dsCreate(t, ns, ds)
	mustKubectl(t, "-n", ns, "rollout", "status", "daemonset/surge", "--timeout=60s")
	m := dsWatch(t, ns, "surge", nodes)
	mustKubectl(t, "-n", ns, "set", "image", "daemonset/surge", "main=nginx:1.28")
	mustKubectl(t, "-n", ns, "rollout", "status", "daemonset/surge", "--timeout=60s")
	poll(t, 30*time.Second, "all pods on nginx:1.28", dsAllImage(t, ns, "surge", "nginx:1.28", 2))
	if down := m.stop(); down > 0 {
		t.Errorf("%d nodes without an available pod during a surge rollout", down)
	}
}

// OnDelete: a new template replaces nothing until a pod is deleted; the
// replacement has the new template.
func TestDaemonSetOnDelete(t *testing.T) {
	virtualNodes(t, "dso", 2)
	nodes := nodeNames("dso", 2)
	ns := newNamespace(t)
	ds := dsNew("ondel", "dso")
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
	dsCreate(t, ns, ds)
	poll(t, 30*time.Second, "one ready pod per node", dsOnePerNode(t, ns, "ondel", nodes...))
	before := dsPods(t, ns, "ondel")
	mustKubectl(t, "-n", ns, "set", "image", "daemonset/ondel", "main=nginx:1.28")
	// Observed (generation 2), nothing updated.
	dsStatus(t, ns, "ondel", 2, 2, 2, 0, 2, 0)
	after := dsPods(t, ns, "ondel")
	for _, n := range nodes {
		if len(after[n]) != 1 || after[n][0].UID != before[n][0].UID {
			t.Fatalf("OnDelete replaced the pod on %s", n)
		}
	}
	if err := client.CoreV1().Pods(ns).Delete(baseCtx, before[nodes[0]][0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "a new-template pod on the node whose pod was deleted", func() bool {
		ps := dsPods(t, ns, "ondel")[nodes[0]]
		return len(ps) == 1 && ps[0].UID != before[nodes[0]][0].UID && ps[0].Spec.Containers[0].Image == "nginx:1.28" && podReady(&ps[0])
	})
	dsStatus(t, ns, "ondel", 2, 2, 2, 1, 2, 0)
	if ps := dsPods(t, ns, "ondel")[nodes[1]]; len(ps) != 1 || ps[0].UID != before[nodes[1]][0].UID {
		t.Errorf("the other node's pod was replaced too")
	}
}

// A daemon pod that failed is deleted (event FailedDaemonPod) and
// replaced; a second failure on the node is replaced too, after the
// back-off.
func TestDaemonSetFailedPodReplaced(t *testing.T) {
	virtualNodes(t, "dsf", 1)
	node := nodeNames("dsf", 1)[0]
	ns := newNamespace(t)
	dsCreate(t, ns, dsNew("flaky", "dsf"))
	for round := 1; round <= 2; round++ {
		poll(t, 30*time.Second, "a ready pod", dsOnePerNode(t, ns, "flaky", node))
		p := dsPods(t, ns, "flaky")[node][0]
		// The kubelet never moves a pod out of a terminal phase: this is
		// what a kubelet rejecting or failing the pod looks like.
		p.Status.Phase = corev1.PodFailed
		p.Status.Reason = "Test"
		for i := range p.Status.Conditions {
			if p.Status.Conditions[i].Type == corev1.PodReady {
				p.Status.Conditions[i].Status = corev1.ConditionFalse
			}
		}
		if _, err := client.CoreV1().Pods(ns).UpdateStatus(baseCtx, &p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("Warning FailedDaemonPod: Found failed daemon pod %s/%s on node %s, will try to kill it", ns, p.Name, node)
		poll(t, 30*time.Second, "event "+want, func() bool { return strings.Contains(objectEventsOf(t, ns, "flaky"), want) })
		poll(t, 30*time.Second, "a new ready pod", func() bool {
			ps := dsPods(t, ns, "flaky")[node]
			return len(ps) == 1 && ps[0].UID != p.UID && podReady(&ps[0])
		})
	}
	dsStatus(t, ns, "flaky", 1, 1, 1, 1, 1, 0)
}
