package statefulset

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
)

// fixture is the controller on a fake clientset.
type fixture struct {
	t        *testing.T
	client   *fake.Clientset
	c        *Controller
	recorder *record.FakeRecorder
	ctx      context.Context
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	client := fake.NewClientset(objs...)
	rec := record.NewFakeRecorder(100)
	d := &deps.Deps{
		Client:    client,
		Informers: informers.NewSharedInformerFactory(client, 0),
		Recorder:  func(string) record.EventRecorder { return rec },
		Options:   deps.Options{Workers: 1},
	}
	c, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d.Informers.Start(ctx.Done())
	d.Informers.WaitForCacheSync(ctx.Done())
	return &fixture{t: t, client: client, c: c, recorder: rec, ctx: ctx}
}

// reconcile runs one reconcile of ns/web once the caches show what the
// server has.
func (f *fixture) reconcile() {
	f.t.Helper()
	f.waitCaches()
	if _, err := f.c.Reconcile(f.ctx, "ns/web"); err != nil {
		f.t.Fatal(err)
	}
}

// waitCaches waits until the informers hold every pod, claim and
// revision (by resourceVersion) the fake server has.
func (f *fixture) waitCaches() {
	f.t.Helper()
	err := wait.PollUntilContextTimeout(f.ctx, 5*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		pods, _ := f.client.CoreV1().Pods("ns").List(f.ctx, metav1.ListOptions{})
		for _, p := range pods.Items {
			c, err := f.c.pods.Pods("ns").Get(p.Name)
			if err != nil || !equality.Semantic.DeepEqual(c.Status, p.Status) || !equality.Semantic.DeepEqual(c.ObjectMeta, p.ObjectMeta) {
				return false, nil
			}
		}
		cached, _ := f.c.pods.List(everything())
		if len(cached) != len(pods.Items) {
			return false, nil
		}
		revs, _ := f.client.AppsV1().ControllerRevisions("ns").List(f.ctx, metav1.ListOptions{})
		cachedRevs, _ := f.c.revisions.List(everything())
		if len(cachedRevs) != len(revs.Items) {
			return false, nil
		}
		claims, _ := f.client.CoreV1().PersistentVolumeClaims("ns").List(f.ctx, metav1.ListOptions{})
		cachedClaims, _ := f.c.claims.List(everything())
		if len(cachedClaims) != len(claims.Items) {
			return false, nil
		}
		set, _ := f.client.AppsV1().StatefulSets("ns").Get(f.ctx, "web", metav1.GetOptions{})
		cs, err := f.c.sets.StatefulSets("ns").Get("web")
		return err == nil && equality.Semantic.DeepEqual(cs.Spec, set.Spec) && equality.Semantic.DeepEqual(cs.Status, set.Status), nil
	})
	if err != nil {
		f.t.Fatal("caches did not catch up")
	}
}

func (f *fixture) pods() map[string]*v1.Pod {
	list, err := f.client.CoreV1().Pods("ns").List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]*v1.Pod{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

// makeReady plays the kubelet: the pod runs and is ready.
func (f *fixture) makeReady(name string) {
	p := f.pods()[name]
	p.Status.Phase = v1.PodRunning
	p.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	if _, err := f.client.CoreV1().Pods("ns").UpdateStatus(f.ctx, p, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) set() *appsv1.StatefulSet {
	s, err := f.client.AppsV1().StatefulSets("ns").Get(f.ctx, "web", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) events() string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return strings.Join(out, "\n")
		}
	}
}

// The fake API server gives created pods no phase; the real one says
// Pending.
func (f *fixture) markPending() {
	for _, p := range f.pods() {
		if p.Status.Phase == "" {
			p.Status.Phase = v1.PodPending
			f.client.CoreV1().Pods("ns").UpdateStatus(f.ctx, p, metav1.UpdateOptions{})
		}
	}
}

// One reconcile at a time: a revision, web-0, the status; web-1 only once
// web-0 is ready; events as upstream.
func TestReconcileOrderedReady(t *testing.T) {
	f := newFixture(t, testSet(2))
	f.reconcile()
	ps := f.pods()
	if len(ps) != 1 || ps["web-0"] == nil {
		t.Fatalf("pods %v, want web-0 only", keys(ps))
	}
	set := f.set()
	revs, _ := f.client.AppsV1().ControllerRevisions("ns").List(f.ctx, metav1.ListOptions{})
	if len(revs.Items) != 1 || revs.Items[0].Revision != 1 || revs.Items[0].Name != set.Status.UpdateRevision {
		t.Fatalf("revisions %+v status %+v", revs.Items, set.Status)
	}
	if ps["web-0"].Labels[appsv1.ControllerRevisionHashLabelKey] != set.Status.UpdateRevision ||
		set.Status.CurrentRevision != set.Status.UpdateRevision || set.Status.ObservedGeneration != 3 || set.Status.CollisionCount == nil {
		t.Errorf("status %+v", set.Status)
	}
	if ev := f.events(); !strings.Contains(ev, "Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful") {
		t.Errorf("events %q", ev)
	}

	f.markPending()
	f.reconcile()
	if ps := f.pods(); len(ps) != 1 {
		t.Fatalf("pods %v: web-1 created before web-0 was ready", keys(ps))
	}
	f.makeReady("web-0")
	f.reconcile()
	if ps := f.pods(); len(ps) != 2 {
		t.Fatalf("pods %v, want web-1 too", keys(ps))
	}
	if st := f.set().Status; st.Replicas != 1 || st.ReadyReplicas != 1 {
		// web-1 is counted once the server shows it.
		t.Errorf("status %+v", st)
	}
}

// Orphans named like the set's pods and matching its selector are adopted;
// pods of other names are not.
func TestReconcileAdopts(t *testing.T) {
	set := testSet(1)
	orphan := newPod(set, 0, "")
	orphan.OwnerReferences = nil
	orphan.UID = "orphan"
	orphan.Status.Phase = v1.PodRunning
	stranger := orphan.DeepCopy()
	stranger.Name, stranger.UID = "other-0", "stranger"
	f := newFixture(t, set, orphan, stranger)
	f.reconcile()
	ps := f.pods()
	if ref := metav1.GetControllerOf(ps["web-0"]); ref == nil || ref.UID != set.UID {
		t.Errorf("web-0 not adopted: %v", ps["web-0"].OwnerReferences)
	}
	if ref := metav1.GetControllerOf(ps["other-0"]); ref != nil {
		t.Errorf("other-0 adopted")
	}
}

// Claims are created before their pod, with the event upstream records.
func TestReconcileCreatesClaims(t *testing.T) {
	f := newFixture(t, claimSet(1, retain, retain))
	f.reconcile()
	c, err := f.client.CoreV1().PersistentVolumeClaims("ns").Get(f.ctx, "data-web-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Labels["app"] != "web" || len(c.OwnerReferences) != 0 {
		t.Errorf("claim %+v", c.ObjectMeta)
	}
	if ev := f.events(); !strings.Contains(ev, "Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success") {
		t.Errorf("events %q", ev)
	}
	// whenDeleted Delete: the set owns the claim.
	g := newFixture(t, claimSet(1, del, retain))
	g.reconcile()
	c, _ = g.client.CoreV1().PersistentVolumeClaims("ns").Get(g.ctx, "data-web-0", metav1.GetOptions{})
	if len(c.OwnerReferences) != 1 || c.OwnerReferences[0].UID != "set-uid" {
		t.Errorf("owners %v", c.OwnerReferences)
	}
}

// A template change makes revision 2 and rolls web-1 (the highest) first;
// going back to the old template renumbers revision 1 to 3.
func TestReconcileRollingUpdateAndRollback(t *testing.T) {
	f := newFixture(t, testSet(2))
	for i := 0; i < 2; i++ {
		f.reconcile()
		f.markPending()
		f.makeReady("web-" + string(rune('0'+i)))
	}
	f.reconcile()
	rev1 := f.set().Status.CurrentRevision
	set := f.set()
	set.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	if _, err := f.client.AppsV1().StatefulSets("ns").Update(f.ctx, set, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.reconcile()
	st := f.set().Status
	if st.UpdateRevision == rev1 || st.CurrentRevision != rev1 {
		t.Fatalf("status %+v", st)
	}
	ps := f.pods()
	if len(ps) != 1 || ps["web-0"] == nil {
		t.Fatalf("pods %v: want web-1 deleted for the update", keys(ps))
	}
	f.reconcile()
	ps = f.pods()
	if p := ps["web-1"]; p == nil || p.Spec.Containers[0].Image != "nginx:2" || p.Labels[appsv1.ControllerRevisionHashLabelKey] != st.UpdateRevision {
		t.Fatalf("web-1 not recreated at the update revision: %v", ps["web-1"])
	}
	f.markPending()

	set = f.set()
	set.Spec.Template.Spec.Containers[0].Image = "nginx:1"
	if _, err := f.client.AppsV1().StatefulSets("ns").Update(f.ctx, set, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.reconcile()
	r, err := f.client.AppsV1().ControllerRevisions("ns").Get(f.ctx, rev1, metav1.GetOptions{})
	if err != nil || r.Revision != 3 || f.set().Status.UpdateRevision != rev1 {
		t.Errorf("rollback: revision %v err %v status %+v", r, err, f.set().Status)
	}
}

func keys(m map[string]*v1.Pod) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func everything() labels.Selector { return labels.Everything() }

// whenScaled Delete: before a condemned pod goes, its claim gets the pod
// as owner (the garbage collector then deletes it); the kept pod's claim
// stays ownerless.
func TestReconcileScaleDownHandsClaimToPod(t *testing.T) {
	set := claimSet(1, retain, del)
	var objs []runtime.Object
	objs = append(objs, set)
	for i := 0; i < 2; i++ {
		p := testPod(set, "web-"+string(rune('0'+i)), "", ready)
		objs = append(objs, p)
		for _, c := range claimsFor(set, p) {
			objs = append(objs, c)
		}
	}
	f := newFixture(t, objs...)
	f.reconcile()
	if ps := f.pods(); len(ps) != 1 || ps["web-0"] == nil {
		t.Fatalf("pods %v, want web-1 deleted", keys(ps))
	}
	c1, _ := f.client.CoreV1().PersistentVolumeClaims("ns").Get(f.ctx, "data-web-1", metav1.GetOptions{})
	if ref := metav1.GetControllerOf(c1); ref == nil || ref.Kind != "Pod" || ref.Name != "web-1" || ref.UID != "uid-web-1" {
		t.Errorf("data-web-1 owners %v", c1.OwnerReferences)
	}
	c0, _ := f.client.CoreV1().PersistentVolumeClaims("ns").Get(f.ctx, "data-web-0", metav1.GetOptions{})
	if len(c0.OwnerReferences) != 0 {
		t.Errorf("data-web-0 owners %v", c0.OwnerReferences)
	}
}
