package nodelifecycle

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"orca/internal/controller/deps"
)

// The story against a fake clientset: a node goes silent, is marked
// Unknown and tainted, its pods are marked not Ready; an intolerant pod
// is evicted at once, a pod tolerating 2 s after 2 s, a pod tolerating
// forever stays.
func TestNodeGoesSilent(t *testing.T) {
	renew := metav1.NewMicroTime(t0)
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: leaseNamespace, Name: "n"}, Spec: coordinationv1.LeaseSpec{RenewTime: &renew}}
	node := nodeWith(cond(v1.NodeReady, v1.ConditionTrue))
	pod := func(name string, tols ...v1.Toleration) *v1.Pod {
		return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name)},
			Spec:   v1.PodSpec{NodeName: "n", Tolerations: tols},
			Status: v1.PodStatus{Phase: v1.PodRunning, Conditions: []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue, Reason: "r"}}}}
	}
	tol := func(secs *int64) v1.Toleration {
		return v1.Toleration{Key: v1.TaintNodeUnreachable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute, TolerationSeconds: secs}
	}
	healthy := nodeWith(cond(v1.NodeReady, v1.ConditionTrue))
	healthy.Name = "healthy"
	client := fake.NewSimpleClientset([]runtime.Object{node, healthy, lease,
		pod("intolerant"), pod("two-seconds", tol(ptr.To[int64](2))), pod("forever", tol(nil))}...)
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(100)
	c, err := New(&deps.Deps{Client: client, Informers: factory, Recorder: func(string) record.EventRecorder { return rec },
		Options: deps.Options{NodeMonitorGracePeriod: 40 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	c.now = func() time.Time { return now }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())

	mustReconcileNode(t, c)
	if got := client.Actions(); len(writes(got)) != 0 {
		t.Fatalf("healthy node: writes %v", writes(got))
	}
	now = now.Add(41 * time.Second)
	mustReconcileNode(t, c)
	// The next monitor period counts the zones with the node down, then
	// taints it NoExecute.
	n, _ := client.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{})
	if len(noExecute(n)) != 0 {
		t.Errorf("tainted NoExecute before the zones were counted: %v", n.Spec.Taints)
	}
	poll(t, func() bool { n, _ := c.nodes.Get("n"); return readyStatus(n) == v1.ConditionUnknown })
	c.updateZones()
	mustReconcileNode(t, c)

	n, _ = client.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{})
	if readyStatus(n) != v1.ConditionUnknown {
		t.Errorf("Ready %v, want Unknown", readyStatus(n))
	}
	if !contains(n.Spec.Taints, v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute}) ||
		!contains(n.Spec.Taints, v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoSchedule}) {
		t.Errorf("taints %v", n.Spec.Taints)
	}
	p, _ := client.CoreV1().Pods("ns").Get(ctx, "forever", metav1.GetOptions{})
	if podReady(p) {
		t.Error("pod on an unknown node still Ready")
	}
	events := drain(rec)
	if !strings.Contains(events, "NodeNotReady Node n status is now: NodeNotReady") || !strings.Contains(events, "Warning NodeNotReady Node is not ready") {
		t.Errorf("events: %s", events)
	}

	// Let the informer see the taints, then run the eviction side.
	poll(t, func() bool { n, _ := c.nodes.Get("n"); return len(noExecute(n)) > 0 })
	client.ClearActions()
	for _, name := range []string{"intolerant", "forever"} {
		if after, err := c.reconcilePod(ctx, "ns/"+name); err != nil || after != 0 {
			t.Errorf("%s: %v %v", name, after, err)
		}
	}
	if after, err := c.reconcilePod(ctx, "ns/two-seconds"); err != nil || after != 2*time.Second {
		t.Errorf("two-seconds: requeue %v %v, want 2s", after, err)
	}
	now = now.Add(time.Second)
	if after, _ := c.reconcilePod(ctx, "ns/two-seconds"); after != time.Second {
		t.Errorf("two-seconds, 1 s later: requeue %v, want 1s (the timer keeps its start)", after)
	}
	if got := deletedPods(client); strings.Join(got, ",") != "intolerant" {
		t.Errorf("deleted %v, want only the intolerant pod", got)
	}
	now = now.Add(time.Second)
	if after, err := c.reconcilePod(ctx, "ns/two-seconds"); err != nil || after != 0 {
		t.Errorf("two-seconds due: %v %v", after, err)
	}
	if got := deletedPods(client); strings.Join(got, ",") != "intolerant,two-seconds" {
		t.Errorf("deleted %v", got)
	}
	var marked bool
	for _, a := range client.Actions() {
		if pa, ok := a.(k8stesting.PatchAction); ok && pa.GetName() == "intolerant" && pa.GetSubresource() == "status" {
			marked = strings.Contains(string(pa.GetPatch()), `"reason":"DeletionByTaintManager","message":"Taint manager: deleting due to NoExecute taint"`)
		}
	}
	if !marked {
		t.Error("no DisruptionTarget before the eviction")
	}
	if events := drain(rec); !strings.Contains(events, "TaintManagerEviction Marking for deletion Pod ns/intolerant") {
		t.Errorf("events: %s", events)
	}

	// The node comes back: taints go.
	n, _ = client.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{})
	n.Status.Conditions = []v1.NodeCondition{cond(v1.NodeReady, v1.ConditionTrue)}
	n.Status.Conditions[0].LastHeartbeatTime = metav1.NewTime(now)
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, func() bool { n, _ := c.nodes.Get("n"); return readyStatus(n) == v1.ConditionTrue })
	mustReconcileNode(t, c)
	n, _ = client.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{})
	if len(n.Spec.Taints) != 0 || readyStatus(n) != v1.ConditionTrue {
		t.Errorf("recovered node: ready %v taints %v", readyStatus(n), n.Spec.Taints)
	}
}

func mustReconcileNode(t *testing.T, c *Controller) {
	t.Helper()
	if _, err := c.reconcileNode(context.Background(), "n"); err != nil {
		t.Fatal(err)
	}
}

func writes(actions []k8stesting.Action) []string {
	var out []string
	for _, a := range actions {
		if v := a.GetVerb(); v != "get" && v != "list" && v != "watch" {
			out = append(out, v+" "+a.GetResource().Resource)
		}
	}
	return out
}

func deletedPods(c *fake.Clientset) []string {
	var out []string
	for _, a := range c.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok && d.GetResource().Resource == "pods" {
			out = append(out, d.GetName())
		}
	}
	return out
}

func drain(rec *record.FakeRecorder) string {
	var b strings.Builder
	for {
		select {
		case e := <-rec.Events:
			b.WriteString(e + "\n")
		default:
			return b.String()
		}
	}
}

func poll(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
