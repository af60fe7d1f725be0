package nodelifecycle

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
)

// zoneFixture is a controller over nodes that are Ready or already
// Unknown, with the zones counted.
type zoneFixture struct {
	c      *Controller
	client *fake.Clientset
	now    *time.Time
}

func newZoneFixture(t *testing.T, ready, unknown []string) *zoneFixture {
	var objs []runtime.Object
	for _, n := range ready {
		node := nodeWith(cond(v1.NodeReady, v1.ConditionTrue))
		node.Name = n
		objs = append(objs, node)
	}
	for _, n := range unknown {
		node := nodeWith(cond(v1.NodeReady, v1.ConditionUnknown))
		node.Name = n
		objs = append(objs, node)
	}
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(&deps.Deps{Client: client, Informers: factory, Recorder: func(string) record.EventRecorder { return record.NewFakeRecorder(100) }})
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	c.now = func() time.Time { return now }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	c.updateZones()
	return &zoneFixture{c, client, &now}
}

func (f *zoneFixture) reconcile(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := f.c.reconcileNode(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *zoneFixture) tainted(t *testing.T, name string) bool {
	n, err := f.client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return contains(n.Spec.Taints, v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute})
}

// Nodes of one zone are tainted NoExecute one per 1/rate seconds (0.1/s).
func TestNoExecuteRateLimited(t *testing.T) {
	f := newZoneFixture(t, []string{"r1", "r2", "r3"}, []string{"d1", "d2"})
	f.reconcile(t, "d1", "d2")
	if f.tainted(t, "d1") == f.tainted(t, "d2") {
		t.Fatalf("d1 %v d2 %v: want exactly one tainted at once", f.tainted(t, "d1"), f.tainted(t, "d2"))
	}
	*f.now = f.now.Add(5 * time.Second)
	f.reconcile(t, "d1", "d2")
	if f.tainted(t, "d1") && f.tainted(t, "d2") {
		t.Fatal("second node tainted 5 s later, before the 10 s of the 0.1/s rate")
	}
	*f.now = f.now.Add(5 * time.Second)
	f.reconcile(t, "d1", "d2")
	if !f.tainted(t, "d1") || !f.tainted(t, "d2") {
		t.Fatal("second node not tainted 10 s later")
	}
}

// A small zone with more than 55 % (and more than two) nodes down stops
// tainting; no node Ready anywhere stops it too.
func TestNoExecuteStoppedInDisruption(t *testing.T) {
	f := newZoneFixture(t, []string{"r1", "r2"}, []string{"d1", "d2", "d3"})
	f.reconcile(t, "d1", "d2", "d3")
	for _, n := range []string{"d1", "d2", "d3"} {
		if f.tainted(t, n) {
			t.Errorf("%s tainted in a partially disrupted small zone", n)
		}
	}
	g := newZoneFixture(t, nil, []string{"d1"})
	g.reconcile(t, "d1")
	if g.tainted(t, "d1") {
		t.Error("the only node tainted NoExecute: every zone is down")
	}
	n, _ := g.client.CoreV1().Nodes().Get(context.Background(), "d1", metav1.GetOptions{})
	if !contains(n.Spec.Taints, v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoSchedule}) {
		t.Errorf("NoSchedule taint missing in full disruption: %v", n.Spec.Taints)
	}
}
