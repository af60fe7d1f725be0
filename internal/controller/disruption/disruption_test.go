package disruption

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"orca/internal/controller/deps"
)

// newTestController runs the controller's informers over a fake clientset
// holding objs; tests call Reconcile themselves.
func newTestController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, time.Hour)
	c, err := New(&deps.Deps{Client: client, Informers: f})
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return t0 }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	client.ClearActions()
	return c, client
}

func replicaSet(name string, uid types.UID, n int32, owner *metav1.OwnerReference) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: uid}, Spec: appsv1.ReplicaSetSpec{Replicas: &n}}
	if owner != nil {
		rs.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	return rs
}

func budget(min, max *intstr.IntOrString) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "pdb", Namespace: "ns", Generation: 1},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: min, MaxUnavailable: max,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}}},
	}
}

// statusWrites are the PDB statuses the controller wrote.
func statusWrites(client *fake.Clientset) []policyv1.PodDisruptionBudgetStatus {
	var out []policyv1.PodDisruptionBudgetStatus
	for _, a := range client.Actions() {
		if u, ok := a.(clienttesting.UpdateAction); ok && a.GetSubresource() == "status" && a.GetResource().Resource == "poddisruptionbudgets" {
			out = append(out, u.GetObject().(*policyv1.PodDisruptionBudget).Status)
		}
	}
	return out
}

func TestReconcileReplicaSetMaxUnavailable(t *testing.T) {
	objs := []runtime.Object{
		replicaSet("rs", "rs", 3, nil),
		pod("a", "rs"), pod("b", "rs"), unready(pod("c", "rs")),
		pod("other", ""), // not selected: other labels
		budget(nil, ptr(intstr.FromInt32(1))),
	}
	objs[4].(*v1.Pod).Labels = map[string]string{"app": "b"}
	c, client := newTestController(t, objs...)
	if _, err := c.Reconcile(context.Background(), "ns/pdb"); err != nil {
		t.Fatal(err)
	}
	w := statusWrites(client)
	if len(w) != 1 {
		t.Fatalf("%d status writes, want 1", len(w))
	}
	s := w[0]
	if s.ExpectedPods != 3 || s.DesiredHealthy != 2 || s.CurrentHealthy != 2 || s.DisruptionsAllowed != 0 || s.ObservedGeneration != 1 {
		t.Errorf("status %+v, want expected 3 desired 2 current 2 allowed 0 observed 1", s)
	}
	if cnd := apimeta.FindStatusCondition(s.Conditions, policyv1.DisruptionAllowedCondition); cnd == nil || cnd.Reason != policyv1.InsufficientPodsReason {
		t.Errorf("condition %+v, want InsufficientPods", cnd)
	}
}

// A budget whose status is already right is not written again.
func TestReconcileWritesOnlyOnChange(t *testing.T) {
	pdb := budget(ptr(intstr.FromInt32(1)), nil)
	pdb.Status = newStatus(pdb, 2, 1, 2, map[string]metav1.Time{})
	c, client := newTestController(t, pod("a", ""), pod("b", ""), pdb)
	if _, err := c.Reconcile(context.Background(), "ns/pdb"); err != nil {
		t.Fatal(err)
	}
	if w := statusWrites(client); len(w) != 0 {
		t.Fatalf("status written %+v, want no write", w)
	}
}

// Pods of a Deployment's ReplicaSets count the Deployment's replicas.
func TestReconcileDeploymentPercent(t *testing.T) {
	yes := true
	five := int32(5)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns", UID: "d"}, Spec: appsv1.DeploymentSpec{Replicas: &five}}
	dref := &metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "d", UID: "d", Controller: &yes}
	c, client := newTestController(t, d,
		replicaSet("old", "old", 2, dref), replicaSet("new", "new", 3, dref),
		pod("a", "old"), pod("b", "old"), pod("c", "new"), pod("d", "new"), pod("e", "new"),
		budget(ptr(intstr.FromString("60%")), nil))
	if _, err := c.Reconcile(context.Background(), "ns/pdb"); err != nil {
		t.Fatal(err)
	}
	w := statusWrites(client)
	if len(w) != 1 || w[0].ExpectedPods != 5 || w[0].DesiredHealthy != 3 || w[0].DisruptionsAllowed != 2 {
		t.Fatalf("writes %+v, want expected 5 desired 3 allowed 2", w)
	}
	if cnd := apimeta.FindStatusCondition(w[0].Conditions, policyv1.DisruptionAllowedCondition); cnd == nil || cnd.Status != metav1.ConditionTrue || cnd.Reason != policyv1.SufficientPodsReason {
		t.Errorf("condition %+v, want True SufficientPods", cnd)
	}
}

// A pod whose controller cannot be resolved fails the sync safe: no
// disruptions, SyncFailed, and a retry later.
func TestReconcileSyncFailed(t *testing.T) {
	pdb := budget(nil, ptr(intstr.FromInt32(1)))
	pdb.Status = policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, ObservedGeneration: 1}
	c, client := newTestController(t, pod("a", "missing-rs"), pdb)
	after, err := c.Reconcile(context.Background(), "ns/pdb")
	if err != nil || after != failedRetry {
		t.Fatalf("reconcile: after %v err %v, want %v nil", after, err, failedRetry)
	}
	w := statusWrites(client)
	if len(w) != 1 || w[0].DisruptionsAllowed != 0 {
		t.Fatalf("writes %+v, want one with allowed 0", w)
	}
	cnd := apimeta.FindStatusCondition(w[0].Conditions, policyv1.DisruptionAllowedCondition)
	if cnd == nil || cnd.Status != metav1.ConditionFalse || cnd.Reason != policyv1.SyncFailedReason || !strings.Contains(cnd.Message, `found no controllers for pod "a"`) {
		t.Errorf("condition %+v, want False SyncFailed naming the pod", cnd)
	}
}

// Evictions recorded by the API server keep their pods out of
// currentHealthy until the pod is seen deleting or 2 minutes pass; the
// budget is synced again when the earliest entry expires.
func TestReconcileDisruptedPods(t *testing.T) {
	pdb := budget(ptr(intstr.FromInt32(1)), nil)
	pdb.Status.DisruptedPods = map[string]metav1.Time{
		"a":    metav1.NewTime(t0.Add(-30 * time.Second)),
		"b":    metav1.NewTime(t0.Add(-3 * time.Minute)),
		"gone": metav1.NewTime(t0.Add(-time.Second)),
	}
	c, client := newTestController(t, pod("a", ""), pod("b", ""), pod("c", ""), pdb)
	after, err := c.Reconcile(context.Background(), "ns/pdb")
	if err != nil {
		t.Fatal(err)
	}
	if after != 90*time.Second {
		t.Errorf("recheck after %v, want 90s", after)
	}
	w := statusWrites(client)
	if len(w) != 1 {
		t.Fatalf("%d writes, want 1", len(w))
	}
	if _, ok := w[0].DisruptedPods["a"]; !ok || len(w[0].DisruptedPods) != 1 {
		t.Errorf("disruptedPods %v, want only a", w[0].DisruptedPods)
	}
	if w[0].CurrentHealthy != 2 || w[0].DisruptionsAllowed != 1 {
		t.Errorf("status %+v, want current 2 allowed 1", w[0])
	}
}

func TestStaleDisruptionCondition(t *testing.T) {
	withCond := func(reason string, ago time.Duration) *v1.Pod {
		p := pod("a", "")
		p.Status.Conditions = append(p.Status.Conditions, v1.PodCondition{Type: v1.DisruptionTarget, Status: v1.ConditionTrue,
			Reason: reason, LastTransitionTime: metav1.NewTime(t0.Add(-ago))})
		return p
	}
	if has, after := staleDisruptionCondition(withCond("EvictionByEvictionAPI", 30*time.Second), t0); !has || after != 90*time.Second {
		t.Errorf("fresh condition: %v %v, want true 90s", has, after)
	}
	if has, after := staleDisruptionCondition(withCond("EvictionByEvictionAPI", 3*time.Minute), t0); !has || after != 0 {
		t.Errorf("old condition: %v %v, want true 0", has, after)
	}
	if has, _ := staleDisruptionCondition(withCond(v1.PodReasonTerminationByKubelet, 3*time.Minute), t0); has {
		t.Error("kubelet's condition counted as stale")
	}
	if has, _ := staleDisruptionCondition(deleting(withCond("EvictionByEvictionAPI", 3*time.Minute)), t0); has {
		t.Error("deleting pod's condition counted as stale")
	}
	if has, _ := staleDisruptionCondition(pod("b", ""), t0); has {
		t.Error("pod without the condition counted")
	}

	c, client := newTestController(t, withCond("EvictionByEvictionAPI", 3*time.Minute))
	if _, err := c.reconcileStale(context.Background(), "ns/a"); err != nil {
		t.Fatal(err)
	}
	p, err := client.CoreV1().Pods("ns").Get(context.Background(), "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cnd := disruptionTarget(p); cnd == nil || cnd.Status != v1.ConditionFalse {
		t.Errorf("condition %+v, want False", cnd)
	}
}
