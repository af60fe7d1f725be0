package daemonset

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
)

// fixture is a controller on a fake clientset whose informer stores the
// test fills by hand (so they lag the "server" as real ones may).
type fixture struct {
	t        *testing.T
	client   *fake.Clientset
	inf      informers.SharedInformerFactory
	c        *Controller
	recorder *record.FakeRecorder
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	client := fake.NewSimpleClientset(objs...)
	var seq atomic.Int64
	// The fake server does not generate names.
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*v1.Pod)
		if p.Name == "" {
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, seq.Add(1))
			p.UID = types.UID(p.Name + "-uid")
		}
		return false, nil, nil
	})
	inf := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(100)
	c, err := New(&deps.Deps{Client: client, Informers: inf, Recorder: func(string) record.EventRecorder { return rec }, Options: deps.Options{Workers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, client: client, inf: inf, c: c, recorder: rec}
	for _, o := range objs {
		f.store(o)
	}
	return f
}

// store puts obj into the informer cache.
func (f *fixture) store(o runtime.Object) {
	var err error
	switch x := o.(type) {
	case *appsv1.DaemonSet:
		err = f.inf.Apps().V1().DaemonSets().Informer().GetStore().Add(x)
	case *v1.Node:
		err = f.inf.Core().V1().Nodes().Informer().GetStore().Add(x)
	case *v1.Pod:
		err = f.inf.Core().V1().Pods().Informer().GetStore().Add(x)
	case *appsv1.ControllerRevision:
		err = f.inf.Apps().V1().ControllerRevisions().Informer().GetStore().Add(x)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) reconcile() time.Duration {
	f.t.Helper()
	after, err := f.c.Reconcile(context.Background(), "ns/ds")
	if err != nil {
		f.t.Fatalf("reconcile: %v", err)
	}
	return after
}

// syncServerToCache copies the server's pods and revisions into the cache.
func (f *fixture) syncServerToCache() {
	ps, _ := f.client.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
	for i := range ps.Items {
		f.store(&ps.Items[i])
	}
	rs, _ := f.client.AppsV1().ControllerRevisions("ns").List(context.Background(), metav1.ListOptions{})
	for i := range rs.Items {
		f.store(&rs.Items[i])
	}
}

func (f *fixture) actions(verb, resource string) []k8stesting.Action {
	var out []k8stesting.Action
	for _, a := range f.client.Actions() {
		if a.GetVerb() == verb && a.GetResource().Resource == resource {
			out = append(out, a)
		}
	}
	return out
}

func (f *fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestDaemonSetReconcileCreatesOnePodPerNode(t *testing.T) {
	ds := testDS()
	f := newFixture(t, ds, node("a", nil), node("b", nil), node("c", nil))
	f.reconcile()
	creates := f.actions("create", "pods")
	if len(creates) != 3 {
		t.Fatalf("created %d pods, want 3", len(creates))
	}
	revs, _ := f.client.AppsV1().ControllerRevisions("ns").List(context.Background(), metav1.ListOptions{})
	if len(revs.Items) != 1 || revs.Items[0].Revision != 1 {
		t.Fatalf("revisions = %+v", revs.Items)
	}
	hash := revs.Items[0].Labels[hashLabel]
	seen := map[string]bool{}
	for _, a := range creates {
		p := a.(k8stesting.CreateAction).GetObject().(*v1.Pod)
		n := targetNode(p)
		seen[n] = true
		if p.Spec.NodeName != "" {
			t.Errorf("pod bound by the controller; the scheduler binds")
		}
		if p.Labels[hashLabel] != hash || p.GenerateName != "ds-" || !metav1.IsControlledBy(p, ds) {
			t.Errorf("pod meta = %+v", p.ObjectMeta)
		}
		if len(p.Spec.Tolerations) != 6 {
			t.Errorf("tolerations = %+v", p.Spec.Tolerations)
		}
	}
	if len(seen) != 3 || !seen["a"] || !seen["b"] || !seen["c"] {
		t.Errorf("pods pinned to %v", seen)
	}
	if ev := f.events(); len(ev) != 3 || !strings.HasPrefix(ev[0], "Normal SuccessfulCreate Created pod: ds-") {
		t.Errorf("events = %v", ev)
	}
	// The cache has not seen the pods yet: another sync must not create more.
	f.reconcile()
	if n := len(f.actions("create", "pods")); n != 3 {
		t.Errorf("lagging cache: %d creates, want still 3", n)
	}
	// Once seen, status counts them.
	f.syncServerToCache()
	for range 3 {
		f.c.exp.CreationObserved(createKey("ns/ds"))
	}
	f.reconcile()
	got, _ := f.client.AppsV1().DaemonSets("ns").Get(context.Background(), "ds", metav1.GetOptions{})
	if s := got.Status; s.DesiredNumberScheduled != 3 || s.CurrentNumberScheduled != 3 || s.UpdatedNumberScheduled != 3 || s.ObservedGeneration != 1 {
		t.Errorf("status = %+v", s)
	}
}

func TestDaemonSetReconcileFailedPodBackoff(t *testing.T) {
	ds := testDS()
	f := newFixture(t, ds, node("a", nil))
	f.reconcile()
	f.syncServerToCache()
	f.c.exp.CreationObserved(createKey("ns/ds"))
	ps, _ := f.client.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
	failed := ps.Items[0].DeepCopy()
	failed.Status.Phase = v1.PodFailed
	f.store(failed)
	f.events()
	f.reconcile()
	if n := len(f.actions("delete", "pods")); n != 1 {
		t.Fatalf("deleted %d pods, want the failed one", n)
	}
	if ev := f.events(); len(ev) == 0 || !strings.HasPrefix(ev[0], "Warning FailedDaemonPod Found failed daemon pod ns/"+failed.Name+" on node a, will try to kill it") {
		t.Errorf("events = %v", ev)
	}
	// The pod fails again at once (a kubelet rejecting it): the next
	// deletion waits for the back-off.
	f.c.exp.DeletionObserved(deleteKey("ns/ds"), failed.UID)
	after := f.reconcile()
	if n := len(f.actions("delete", "pods")); n != 1 {
		t.Errorf("deleted again within back-off: %d deletes", n)
	}
	if after <= 0 || after > 2*time.Second {
		t.Errorf("requeue after %v, want the 1 s back-off", after)
	}
}

func TestDaemonSetReconcileNodeLeavesSelector(t *testing.T) {
	ds := testDS()
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"run": "yes"}
	p := dpod("ds-x", "a", "", 0)
	p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(ds, kind)}
	f := newFixture(t, ds, node("a", map[string]string{"run": "no"}), node("b", map[string]string{"run": "yes"}), p)
	f.reconcile()
	del := f.actions("delete", "pods")
	if len(del) != 1 || del[0].(k8stesting.DeleteAction).GetName() != "ds-x" {
		t.Errorf("deletes = %v", del)
	}
	creates := f.actions("create", "pods")
	if len(creates) != 1 || targetNode(creates[0].(k8stesting.CreateAction).GetObject().(*v1.Pod)) != "b" {
		t.Errorf("creates = %v", creates)
	}
}

func TestDaemonSetReconcileAdoptsOrphans(t *testing.T) {
	ds := testDS()
	orphan := dpod("orphan", "a", "", 0)
	f := newFixture(t, ds, node("a", nil), orphan)
	f.reconcile()
	patches := f.actions("patch", "pods")
	if len(patches) != 1 || !strings.Contains(string(patches[0].(k8stesting.PatchAction).GetPatch()), string(ds.UID)) {
		t.Errorf("patches = %v", patches)
	}
	if n := len(f.actions("create", "pods")); n != 0 {
		t.Errorf("created %d pods beside the adopted one", n)
	}
}

func TestDaemonSetReconcileUpdateStrategies(t *testing.T) {
	for _, tc := range []struct {
		strategy appsv1.DaemonSetUpdateStrategyType
		deletes  int
	}{{appsv1.OnDeleteDaemonSetStrategyType, 0}, {appsv1.RollingUpdateDaemonSetStrategyType, 1}} {
		t.Run(string(tc.strategy), func(t *testing.T) {
			ds := testDS()
			ds.Spec.UpdateStrategy.Type = tc.strategy
			f := newFixture(t, ds, node("a", nil), node("b", nil))
			f.reconcile()
			f.syncServerToCache()
			for range 2 {
				f.c.exp.CreationObserved(createKey("ns/ds"))
			}
			// All pods ready, then a new template.
			ps, _ := f.client.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
			for i := range ps.Items {
				p := ps.Items[i].DeepCopy()
				p.Spec.NodeName = targetNode(p)
				p.Status = dpod("x", "", "", time.Hour).Status
				f.store(p)
			}
			ds2 := ds.DeepCopy()
			ds2.Generation = 2
			ds2.Spec.Template.Spec.Containers[0].Image = "img:2"
			f.store(ds2)
			f.reconcile()
			if n := len(f.actions("delete", "pods")); n != tc.deletes {
				t.Errorf("%s deleted %d pods, want %d", tc.strategy, n, tc.deletes)
			}
			revs, _ := f.client.AppsV1().ControllerRevisions("ns").List(context.Background(), metav1.ListOptions{})
			if len(revs.Items) != 2 {
				t.Fatalf("%d revisions, want 2", len(revs.Items))
			}
			for _, r := range revs.Items {
				if isCurrent(ds2, &r) != (r.Revision == 2) {
					t.Errorf("revision %d current=%v", r.Revision, isCurrent(ds2, &r))
				}
			}
		})
	}
}

func TestDaemonSetEventsEnqueue(t *testing.T) {
	ds := testDS()
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"run": "yes"}
	f := newFixture(t, ds)
	h := f.c.nodeHandler()
	out := node("a", map[string]string{"run": "no"})
	beat := out.DeepCopy()
	beat.ResourceVersion = "2"
	beat.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue}}
	h.OnUpdate(out, beat)
	if n := f.c.loop.Len(); n != 0 {
		t.Fatalf("a heartbeat queued %d DaemonSets", n)
	}
	h.OnAdd(out, false)
	if n := f.c.loop.Len(); n != 0 {
		t.Fatalf("an ineligible new node queued %d DaemonSets", n)
	}
	in := out.DeepCopy()
	in.Labels["run"] = "yes"
	h.OnUpdate(out, in)
	if n := f.c.loop.Len(); n != 1 {
		t.Fatalf("a node becoming eligible queued %d DaemonSets, want 1", n)
	}

	// A pod of the DaemonSet appearing counts toward the expected creations.
	f.c.exp.ExpectCreations(createKey("ns/ds"), 1)
	p := dpod("p", "a", "h", 0)
	p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(ds, kind)}
	f.c.podHandler().OnAdd(p, false)
	if !f.c.satisfied("ns/ds") {
		t.Error("creation not observed")
	}
	f.c.exp.ExpectDeletions(deleteKey("ns/ds"), []types.UID{p.UID})
	gone := p.DeepCopy()
	gone.ResourceVersion = "9"
	gone.DeletionTimestamp = &metav1.Time{Time: t0}
	f.c.podHandler().OnUpdate(p, gone)
	if !f.c.satisfied("ns/ds") {
		t.Error("graceful deletion not observed")
	}
}

func TestDaemonSetHistoryCollisionAndRollback(t *testing.T) {
	ds := testDS()
	hash := templateHash(&ds.Spec.Template, nil)
	other := testDS()
	other.Spec.Template.Spec.Containers[0].Image = "other"
	squatter, _ := newRevision(other, hash, 1) // another template under our hash's name
	f := newFixture(t, ds, squatter)
	if _, err := f.c.Reconcile(context.Background(), "ns/ds"); err == nil {
		t.Fatal("a hash collision was not reported")
	}
	got, _ := f.client.AppsV1().DaemonSets("ns").Get(context.Background(), "ds", metav1.GetOptions{})
	if got.Status.CollisionCount == nil || *got.Status.CollisionCount != 1 {
		t.Fatalf("collisionCount = %v, want 1", got.Status.CollisionCount)
	}
	f.store(got)
	f.reconcile()
	cur, err := f.client.AppsV1().ControllerRevisions("ns").Get(context.Background(), "ds-"+templateHash(&ds.Spec.Template, got.Status.CollisionCount), metav1.GetOptions{})
	if err != nil || !isCurrent(ds, cur) || cur.Revision != 2 {
		t.Fatalf("revision after collision: %+v, %v", cur, err)
	}

	// Back to the squatter's template (a rollback): its revision becomes
	// the newest, renumbered.
	f.syncServerToCache()
	back := got.DeepCopy()
	back.Spec.Template = other.Spec.Template
	f.store(back)
	f.reconcile()
	r, _ := f.client.AppsV1().ControllerRevisions("ns").Get(context.Background(), squatter.Name, metav1.GetOptions{})
	if r.Revision != 3 {
		t.Errorf("rolled-back revision renumbered to %d, want 3", r.Revision)
	}
}
