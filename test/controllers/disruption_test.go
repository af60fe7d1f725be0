package controllers

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
)

// pdbPod is a pod labelled app=app, with a 1 s grace period.
func pdbPod(name, app string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "main", Image: "nginx:1.27"}},
			TerminationGracePeriodSeconds: new(int64(1)),
		},
	}
}

func pdbCreatePod(t *testing.T, ns string, p *corev1.Pod) {
	t.Helper()
	if _, err := client.CoreV1().Pods(ns).Create(baseCtx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// pdbWaitReady waits until n pods labelled app=app are Ready and not deleting.
func pdbWaitReady(t *testing.T, ns, app string, n int) []corev1.Pod {
	t.Helper()
	var ready []corev1.Pod
	poll(t, 60*time.Second, fmt.Sprintf("%d ready pods app=%s", n, app), func() bool {
		list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return false
		}
		ready = ready[:0]
		for _, p := range list.Items {
			if p.DeletionTimestamp == nil && podReady(&p) {
				ready = append(ready, p)
			}
		}
		return len(ready) == n
	})
	return ready
}

func pdbCreate(t *testing.T, ns, name, app string, min, max *intstr.IntOrString) {
	t.Helper()
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: min, MaxUnavailable: max,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
	}
	if _, err := client.PolicyV1().PodDisruptionBudgets(ns).Create(baseCtx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func pdbIntStr(v intstr.IntOrString) *intstr.IntOrString { return &v }

// pdbWaitStatus waits until the budget's status, for its current
// generation, satisfies ok; it returns that budget.
func pdbWaitStatus(t *testing.T, ns, name, what string, ok func(policyv1.PodDisruptionBudgetStatus) bool) *policyv1.PodDisruptionBudget {
	t.Helper()
	var pdb *policyv1.PodDisruptionBudget
	poll(t, 30*time.Second, fmt.Sprintf("pdb %s: %s", name, what), func() bool {
		var err error
		pdb, err = client.PolicyV1().PodDisruptionBudgets(ns).Get(baseCtx, name, metav1.GetOptions{})
		return err == nil && pdb.Status.ObservedGeneration == pdb.Generation && ok(pdb.Status)
	})
	return pdb
}

// pdbNumbers is a status check on the four counts.
func pdbNumbers(expected, desired, current, allowed int32) func(policyv1.PodDisruptionBudgetStatus) bool {
	return func(s policyv1.PodDisruptionBudgetStatus) bool {
		return s.ExpectedPods == expected && s.DesiredHealthy == desired && s.CurrentHealthy == current && s.DisruptionsAllowed == allowed
	}
}

func pdbCondition(t *testing.T, pdb *policyv1.PodDisruptionBudget, status metav1.ConditionStatus, reason string) {
	t.Helper()
	c := apimeta.FindStatusCondition(pdb.Status.Conditions, policyv1.DisruptionAllowedCondition)
	if c == nil || c.Status != status || c.Reason != reason {
		t.Fatalf("pdb %s: condition DisruptionAllowed %+v, want %s %s", pdb.Name, c, status, reason)
	}
}

// pdbColumns is the row of `kubectl get pdb name`: NAME, MIN AVAILABLE,
// MAX UNAVAILABLE, ALLOWED DISRUPTIONS (AGE dropped), checking the header.
func pdbColumns(t *testing.T, ns, name string) []string {
	t.Helper()
	out := mustKubectl(t, "get", "pdb", name, "-n", ns)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE" {
		t.Fatalf("kubectl get pdb: unexpected output:\n%s", out)
	}
	f := strings.Fields(lines[1])
	return f[:4]
}

// pdbWaitColumns waits until `kubectl get pdb` shows want.
func pdbWaitColumns(t *testing.T, ns, name string, want ...string) {
	t.Helper()
	w := strings.Join(want, " ")
	var got string
	deadline := time.Now().Add(30 * time.Second)
	for {
		got = strings.Join(pdbColumns(t, ns, name), " ")
		if got == w {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kubectl get pdb %s: %q, want %q", name, got, w)
		}
		time.Sleep(200 * time.Millisecond) // kubectl runs take long enough; poll gently
	}
}

// Budget status for pods without controllers, for an unobserved spec
// change, for controllers without a scale, and the eviction subresource
// taking one disruption at a time.
func TestDisruptionStatus(t *testing.T) {
	ns := newNamespace(t)
	for i := range 3 {
		pdbCreatePod(t, ns, pdbPod(fmt.Sprintf("plain-%d", i), "plain"))
	}
	pdbWaitReady(t, ns, "plain", 3)

	// An integer minAvailable needs no controller: expected = matching pods.
	pdbCreate(t, ns, "min-int", "plain", pdbIntStr(intstr.FromInt32(2)), nil)
	pdb := pdbWaitStatus(t, ns, "min-int", "expected 3 desired 2 healthy 3 allowed 1", pdbNumbers(3, 2, 3, 1))
	pdbCondition(t, pdb, metav1.ConditionTrue, policyv1.SufficientPodsReason)
	pdbWaitColumns(t, ns, "min-int", "min-int", "2", "N/A", "1")

	// maxUnavailable over pods without controllers: nothing expected, no
	// disruption allowed, and an UnmanagedPods warning.
	pdbCreate(t, ns, "max-unmanaged", "plain", nil, pdbIntStr(intstr.FromInt32(1)))
	pdb = pdbWaitStatus(t, ns, "max-unmanaged", "expected 0 desired 0 healthy 3 allowed 0", pdbNumbers(0, 0, 3, 0))
	pdbCondition(t, pdb, metav1.ConditionFalse, policyv1.InsufficientPodsReason)
	pdbWaitColumns(t, ns, "max-unmanaged", "max-unmanaged", "N/A", "1", "0")
	poll(t, 10*time.Second, "UnmanagedPods event", func() bool {
		return strings.Contains(strings.Join(rsEvents(t, ns, "max-unmanaged"), "\n"), "UnmanagedPods: Pods selected by this PodDisruptionBudget")
	})
	if err := client.PolicyV1().PodDisruptionBudgets(ns).Delete(baseCtx, "max-unmanaged", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	// A percentage needs the controllers' scale: a pod controlled by an
	// object without a scale subresource fails the sync safe.
	owner, err := client.CoreV1().ConfigMaps(ns).Create(baseCtx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	odd := pdbPod("odd", "odd")
	odd.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: owner.UID, Controller: new(true)}}
	pdbCreatePod(t, ns, odd)
	pdbCreate(t, ns, "odd", "odd", pdbIntStr(intstr.FromString("50%")), nil)
	poll(t, 30*time.Second, "pdb odd: SyncFailed", func() bool {
		p, err := client.PolicyV1().PodDisruptionBudgets(ns).Get(baseCtx, "odd", metav1.GetOptions{})
		if err != nil {
			return false
		}
		c := apimeta.FindStatusCondition(p.Status.Conditions, policyv1.DisruptionAllowedCondition)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == policyv1.SyncFailedReason &&
			strings.Contains(c.Message, "configmaps does not implement the scale subresource") && p.Status.DisruptionsAllowed == 0
	})

	// A spec change: the new generation is observed, and with minAvailable 3
	// of 3 the eviction subresource refuses (429).
	pdbs := client.PolicyV1().PodDisruptionBudgets(ns)
	pdb, err = pdbs.Get(baseCtx, "min-int", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdb.Spec.MinAvailable = pdbIntStr(intstr.FromInt32(3))
	if pdb, err = pdbs.Update(baseCtx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if pdb.Generation < 2 {
		t.Fatalf("spec change did not bump generation: %d", pdb.Generation)
	}
	pdb = pdbWaitStatus(t, ns, "min-int", "desired 3 allowed 0", pdbNumbers(3, 3, 3, 0))
	pdbCondition(t, pdb, metav1.ConditionFalse, policyv1.InsufficientPodsReason)
	pdbWaitColumns(t, ns, "min-int", "min-int", "3", "N/A", "0")
	evict := func(name string) error {
		return client.CoreV1().Pods(ns).EvictV1(baseCtx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
	}
	if err := evict("plain-0"); !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), "Cannot evict pod as it would violate the pod's disruption budget.") {
		t.Fatalf("eviction with no disruption allowed: %v, want 429", err)
	}

	// Back to 2: one eviction goes through, the next is refused; once the
	// pod is gone its disruptedPods entry is dropped.
	pdb.Spec.MinAvailable = pdbIntStr(intstr.FromInt32(2))
	if _, err = pdbs.Update(baseCtx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pdbWaitStatus(t, ns, "min-int", "allowed 1 again", pdbNumbers(3, 2, 3, 1))
	if err := evict("plain-0"); err != nil {
		t.Fatalf("eviction within the budget: %v", err)
	}
	if err := evict("plain-1"); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("second eviction: %v, want 429", err)
	}
	poll(t, 30*time.Second, "plain-0 gone", func() bool {
		_, err := client.CoreV1().Pods(ns).Get(baseCtx, "plain-0", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	pdb = pdbWaitStatus(t, ns, "min-int", "expected 2 healthy 2 allowed 0, no disrupted pods", func(s policyv1.PodDisruptionBudgetStatus) bool {
		return pdbNumbers(2, 2, 2, 0)(s) && len(s.DisruptedPods) == 0
	})
	pdbWaitColumns(t, ns, "min-int", "min-int", "2", "N/A", "0")
}

// drainWatch watches the pods labelled app=app and reports the fewest that
// were Ready and not deleting at once, from the first moment n were.
func drainWatch(t *testing.T, ns, app string, n int) (stop func() int) {
	t.Helper()
	list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	w, err := client.CoreV1().Pods(ns).Watch(baseCtx, metav1.ListOptions{LabelSelector: "app=" + app, ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	up := map[string]bool{}
	for _, p := range list.Items {
		up[p.Name] = p.DeletionTimestamp == nil && podReady(&p)
	}
	count := func() int {
		c := 0
		for _, u := range up {
			if u {
				c++
			}
		}
		return c
	}
	var mu sync.Mutex
	fewest := count()
	if fewest < n {
		t.Fatalf("drainWatch: %d pods up at the start, want %d", fewest, n)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			mu.Lock()
			if ev.Type == watch.Deleted {
				delete(up, p.Name)
			} else {
				up[p.Name] = p.DeletionTimestamp == nil && podReady(p)
			}
			fewest = min(fewest, count())
			mu.Unlock()
		}
	}()
	return func() int {
		w.Stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return fewest
	}
}

// `kubectl drain` of a node holding both pods of a ReplicaSet whose budget
// allows one disruption: the node is cordoned, the DaemonSet pod is left,
// the pods are evicted one at a time (the second eviction is refused until
// the first pod's replacement is Ready on the other node), and at no
// moment are both pods down.
func TestDisruptionDrain(t *testing.T) {
	ns := newNamespace(t)
	prefix := fmt.Sprintf("drain-%d", seq.Add(1))
	virtualNodes(t, prefix, 2)
	node0, node1 := prefix+"-0000", prefix+"-0001"
	onMyNodes := func(spec *corev1.PodSpec) {
		spec.NodeSelector = map[string]string{"test": prefix}
		spec.Tolerations = []corev1.Toleration{testToleration(prefix)}
	}

	// A DaemonSet on the test's nodes: drain --ignore-daemonsets leaves its pod.
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: rsTemplate("agent"),
		},
	}
	onMyNodes(&ds.Spec.Template.Spec)
	if _, err := client.AppsV1().DaemonSets(ns).Create(baseCtx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Both ReplicaSet pods on node 0: node 1 is cordoned while they start.
	mustKubectl(t, "cordon", node1)
	rs := rsNew("web", 2, func(rs *appsv1.ReplicaSet) { onMyNodes(&rs.Spec.Template.Spec) })
	rs = rsCreate(t, ns, rs)
	for _, p := range pdbWaitReady(t, ns, "web", 2) {
		if p.Spec.NodeName != node0 {
			t.Fatalf("pod %s on %q, want %s", p.Name, p.Spec.NodeName, node0)
		}
	}
	mustKubectl(t, "uncordon", node1)
	pdbWaitReady(t, ns, "agent", 2)

	pdbCreate(t, ns, "web", "web", pdbIntStr(intstr.FromInt32(1)), nil)
	pdb := pdbWaitStatus(t, ns, "web", "expected 2 desired 1 healthy 2 allowed 1", pdbNumbers(2, 1, 2, 1))
	pdbCondition(t, pdb, metav1.ConditionTrue, policyv1.SufficientPodsReason)
	pdbWaitColumns(t, ns, "web", "web", "1", "N/A", "1")

	stop := drainWatch(t, ns, "web", 2)
	start := time.Now()
	r := kubectl(t, "drain", node0, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=100s")
	fewest := stop()
	if r.Err != nil {
		t.Fatalf("kubectl drain: %v\n%s", r.Err, r.Stderr)
	}
	t.Logf("drain took %v", time.Since(start))
	if fewest != 1 {
		t.Fatalf("fewest ready web pods during the drain: %d, want 1 (one evicted at a time, never both)", fewest)
	}
	if !strings.Contains(r.Stdout+r.Stderr, "Cannot evict pod as it would violate the pod's disruption budget") {
		t.Errorf("drain never met the budget's refusal:\n%s%s", r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "Warning: ignoring DaemonSet-managed Pods: "+ns+"/agent-") {
		t.Errorf("drain did not report ignoring the DaemonSet pod:\n%s", r.Stderr)
	}
	if !strings.Contains(r.Stdout, "node/"+node0+" drained") {
		t.Errorf("drain output lacks %q:\n%s", "node/"+node0+" drained", r.Stdout)
	}

	node, err := client.CoreV1().Nodes().Get(baseCtx, node0, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !node.Spec.Unschedulable {
		t.Error("drained node is not cordoned (spec.unschedulable false)")
	}
	for _, p := range pdbWaitReady(t, ns, "web", 2) {
		if p.Spec.NodeName != node1 {
			t.Errorf("web pod %s on %q after the drain, want %s", p.Name, p.Spec.NodeName, node1)
		}
	}
	agents := pdbWaitReady(t, ns, "agent", 2)
	onNode0 := false
	for _, p := range agents {
		onNode0 = onNode0 || p.Spec.NodeName == node0
	}
	if !onNode0 {
		t.Error("the DaemonSet pod on the drained node was evicted")
	}
	pdbWaitStatus(t, ns, "web", "all healthy again", pdbNumbers(2, 1, 2, 1))
	pdbWaitColumns(t, ns, "web", "web", "1", "N/A", "1")
	if got := rsGet(t, ns, "web"); got.UID != rs.UID {
		t.Fatal("the ReplicaSet was replaced")
	}
}
