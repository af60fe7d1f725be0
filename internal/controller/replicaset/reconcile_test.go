package replicaset

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
)

// fixture is the controller on a fake clientset whose informers are not
// running: the test decides what the cache sees, and when.
type fixture struct {
	t      *testing.T
	client *fake.Clientset
	inf    informers.SharedInformerFactory
	c      *Controller
	events *record.FakeRecorder
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewClientset(objs...)
	var seq atomic.Int32
	// The fake tracker does not generate names.
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*v1.Pod)
		if p.Name == "" {
			n := seq.Add(1)
			p.Name = fmt.Sprintf("%sgen%d", p.GenerateName, n)
			p.UID = types.UID(fmt.Sprintf("uid-gen-%d", n))
		}
		return false, nil, nil
	})
	f := &fixture{t: t, client: client, inf: informers.NewSharedInformerFactory(client, 0), events: record.NewFakeRecorder(1000)}
	c, err := New(&deps.Deps{
		Client: client, Informers: f.inf, Options: deps.Options{Workers: 1},
		Recorder: func(string) record.EventRecorder { return f.events },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	for _, o := range objs {
		f.cache(o)
	}
	return f
}

// cache puts obj into its informer's cache (without running handlers).
func (f *fixture) cache(obj runtime.Object) {
	var err error
	switch o := obj.(type) {
	case *v1.Pod:
		err = f.inf.Core().V1().Pods().Informer().GetIndexer().Update(o)
	case *appsv1.ReplicaSet:
		err = f.inf.Apps().V1().ReplicaSets().Informer().GetIndexer().Update(o)
	case *v1.ReplicationController:
		err = f.inf.Core().V1().ReplicationControllers().Informer().GetIndexer().Update(o)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

// syncPods brings the pod cache up to the server, calling the pod event
// handlers as an informer would.
func (f *fixture) syncPods() {
	f.t.Helper()
	list, err := f.client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	idx := f.inf.Core().V1().Pods().Informer().GetIndexer()
	seen := map[string]bool{}
	for i := range list.Items {
		p := &list.Items[i]
		seen[p.Namespace+"/"+p.Name] = true
		old, exists, _ := idx.Get(p)
		f.cache(p)
		if exists {
			f.c.updatePod(old, p)
		} else {
			f.c.addPod(p)
		}
	}
	for _, o := range idx.List() {
		p := o.(*v1.Pod)
		if !seen[p.Namespace+"/"+p.Name] {
			idx.Delete(p)
			f.c.deletePod(p)
		}
	}
}

func (f *fixture) reconcile(r *reconciler, key string) (time.Duration, error) {
	f.t.Helper()
	f.client.ClearActions()
	return r.reconcile(context.Background(), key)
}

// actions are the recorded client calls as "verb resource[/subresource]".
func (f *fixture) actions() []string {
	var out []string
	for _, a := range f.client.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) count(action string) int {
	n := 0
	for _, a := range f.actions() {
		if a == action {
			n++
		}
	}
	return n
}

func (f *fixture) serverPods() []v1.Pod {
	list, err := f.client.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return list.Items
}

func (f *fixture) serverRS(name string) *appsv1.ReplicaSet {
	rs, err := f.client.AppsV1().ReplicaSets("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return rs
}

func (f *fixture) drainEvents() []string {
	var out []string
	for {
		select {
		case e := <-f.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestReplicaSetReconcileCreatesOnceDespiteLaggingCache(t *testing.T) {
	rs := newRS("web", 3)
	f := newFixture(t, rs)
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	got := f.serverPods()
	if len(got) != 3 {
		t.Fatalf("%d pods created, want 3", len(got))
	}
	for _, p := range got {
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || p.Labels["tier"] != "web" || p.GenerateName != "web-" {
			t.Fatalf("pod %s: controller %+v labels %v generateName %q", p.Name, ref, p.Labels, p.GenerateName)
		}
	}
	ev := f.drainEvents()
	if len(ev) != 3 || !strings.HasPrefix(ev[0], "Normal SuccessfulCreate Created pod: web-gen") {
		t.Fatalf("events %q", ev)
	}
	// The cache has not seen the pods yet: no second round of creations.
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if n := f.count("create pods"); n != 0 {
		t.Fatalf("reconcile on a lagging cache created %d more pods", n)
	}
	f.syncPods()
	if !f.c.rs.exp.Satisfied("ns/web") {
		t.Fatal("expectations not met after the cache saw every pod")
	}
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if n := f.count("create pods"); n != 0 || len(f.serverPods()) != 3 {
		t.Fatalf("steady state: %d creations, %d pods", n, len(f.serverPods()))
	}
	if s := f.serverRS("web").Status; s.Replicas != 3 || s.ObservedGeneration != rs.Generation {
		t.Fatalf("status %+v", s)
	}
}

func TestReplicaSetReconcileDeletesNotReadyFirstAndOnce(t *testing.T) {
	rs := newRS("web", 2)
	objs := []runtime.Object{rs}
	for _, p := range []*v1.Pod{newPod("a", rs), newPod("b", rs, notReady), newPod("c", rs), newPod("d", rs, phase(v1.PodPending), notReady)} {
		objs = append(objs, p)
	}
	f := newFixture(t, objs...)
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, p := range f.serverPods() {
		left = append(left, p.Name)
	}
	slices.Sort(left)
	if !slices.Equal(left, []string{"a", "c"}) {
		t.Fatalf("pods left %v, want [a c]", left)
	}
	ev := f.drainEvents()
	slices.Sort(ev)
	if !slices.Equal(ev, []string{"Normal SuccessfulDelete Deleted pod: b", "Normal SuccessfulDelete Deleted pod: d"}) {
		t.Fatalf("events %q", ev)
	}
	// Cache still shows 4 pods: no more deletions until it catches up.
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if n := f.count("delete pods"); n != 0 {
		t.Fatalf("reconcile on a lagging cache deleted %d more pods", n)
	}
	f.syncPods()
	if !f.c.rs.exp.Satisfied("ns/web") {
		t.Fatal("expectations not met after the cache saw the deletions")
	}
}

func TestReplicaSetReconcileIgnoresFinishedAndTerminatingPods(t *testing.T) {
	rs := newRS("web", 3)
	gone := newPod("terminating", rs)
	gone.DeletionTimestamp = &metav1.Time{Time: t0}
	f := newFixture(t, rs, newPod("ok", rs), newPod("failed", rs, phase(v1.PodFailed)), newPod("done", rs, phase(v1.PodSucceeded)), gone)
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if n := f.count("create pods"); n != 2 {
		t.Fatalf("%d creations, want 2 (finished and terminating pods don't count)", n)
	}
	if s := f.serverRS("web").Status; s.Replicas != 1 {
		t.Fatalf("status.replicas %d, want 1", s.Replicas)
	}
}

func TestReplicaSetReconcileAdoptsAndReleases(t *testing.T) {
	rs := newRS("web", 2)
	stray := newPod("stray", rs, orphan)
	relabelled := newPod("relabelled", rs, withLabels(map[string]string{"app": "other"}))
	other := newPod("others", newRS("other", 1), withLabels(map[string]string{"app": "web"}))
	f := newFixture(t, rs, newPod("mine", rs), stray, relabelled, other)
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	pods := map[string]v1.Pod{}
	for _, p := range f.serverPods() {
		pods[p.Name] = p
	}
	if ref := metav1.GetControllerOf(ptr(pods["stray"])); ref == nil || ref.UID != rs.UID {
		t.Fatalf("orphan not adopted: %+v", pods["stray"].OwnerReferences)
	}
	if ref := metav1.GetControllerOf(ptr(pods["relabelled"])); ref != nil {
		t.Fatalf("relabelled pod not released: %+v", ref)
	}
	if ref := metav1.GetControllerOf(ptr(pods["others"])); ref == nil || ref.UID != "uid-other" {
		t.Fatalf("another controller's pod taken: %+v", ref)
	}
	if n := f.count("create pods") + f.count("delete pods"); n != 0 {
		t.Fatalf("mine + adopted stray = 2 replicas, but %d pods were created or deleted", n)
	}
	if s := f.serverRS("web").Status; s.Replicas != 2 {
		t.Fatalf("status.replicas %d, want 2", s.Replicas)
	}
}

func ptr(p v1.Pod) *v1.Pod { return &p }

func TestReplicaSetReconcileDoesNotAdoptForADeletedOwner(t *testing.T) {
	rs := newRS("web", 1)
	f := newFixture(t, newPod("stray", rs, orphan))
	f.cache(rs) // in the cache, gone from the server
	_, err := f.reconcile(f.c.rs, "ns/web")
	if err == nil {
		t.Fatal("adoption for an owner the server no longer has succeeded")
	}
	if n := f.count("patch pods"); n != 0 {
		t.Fatalf("%d patches", n)
	}
}

func TestReplicaSetReconcileReplicaFailure(t *testing.T) {
	rs := newRS("web", 2)
	f := newFixture(t, rs)
	var fail atomic.Bool
	fail.Store(true)
	f.client.PrependReactor("create", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		if fail.Load() {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "web-x", fmt.Errorf("exceeded quota: q"))
		}
		return false, nil, nil
	})
	_, err := f.reconcile(f.c.rs, "ns/web")
	if err == nil {
		t.Fatal("a failed create must be retried (an error)")
	}
	if n := f.count("create pods"); n != 1 {
		t.Fatalf("%d create attempts, want 1 (slow start stops at the first failure)", n)
	}
	if !f.c.rs.exp.Satisfied("ns/web") {
		t.Fatal("failed creations still expected")
	}
	cond := failure(f.serverRS("web"))
	if cond == nil || cond.Reason != "FailedCreate" || !strings.Contains(cond.Message, "exceeded quota") {
		t.Fatalf("ReplicaFailure %+v", cond)
	}
	if ev := f.drainEvents(); len(ev) != 1 || !strings.HasPrefix(ev[0], "Warning FailedCreate Error creating: ") {
		t.Fatalf("events %q", ev)
	}
	f.cache(f.serverRS("web"))
	fail.Store(false)
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if cond := failure(f.serverRS("web")); cond != nil {
		t.Fatalf("ReplicaFailure kept after creations worked: %+v", cond)
	}
}

func failure(rs *appsv1.ReplicaSet) *appsv1.ReplicaSetCondition {
	for i := range rs.Status.Conditions {
		if rs.Status.Conditions[i].Type == appsv1.ReplicaSetReplicaFailure {
			return &rs.Status.Conditions[i]
		}
	}
	return nil
}

func TestReplicaSetReconcileWritesStatusOnlyOnChange(t *testing.T) {
	rs := newRS("web", 2)
	f := newFixture(t, rs, newPod("a", rs), newPod("b", rs, notReady))
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if n := f.count("update replicasets/status"); n != 1 {
		t.Fatalf("%d status writes, want 1", n)
	}
	got := f.serverRS("web")
	if s := got.Status; s.Replicas != 2 || s.ReadyReplicas != 1 || s.AvailableReplicas != 1 || s.FullyLabeledReplicas != 2 {
		t.Fatalf("status %+v", s)
	}
	f.cache(got)
	if _, err := f.reconcile(f.c.rs, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if n := f.count("update replicasets/status"); n != 0 {
		t.Fatalf("unchanged status written %d times", n)
	}
}

func TestReplicaSetReconcileRequeuesForMinReadySeconds(t *testing.T) {
	rs := newRS("web", 1)
	rs.Spec.MinReadySeconds = 30
	f := newFixture(t, rs, newPod("a", rs, ready(time.Now().Add(-10*time.Second))))
	after, err := f.reconcile(f.c.rs, "ns/web")
	if err != nil {
		t.Fatal(err)
	}
	if after < 15*time.Second || after > 21*time.Second {
		t.Fatalf("requeue after %v, want about 20s (30s minReadySeconds, ready for 10s)", after)
	}
	if s := f.serverRS("web").Status; s.ReadyReplicas != 1 || s.AvailableReplicas != 0 {
		t.Fatalf("status %+v", s)
	}
}

func TestReplicaSetPodEventsQueueOwners(t *testing.T) {
	rs := newRS("web", 1)
	f := newFixture(t, rs, newRS("other", 1))
	f.c.addPod(newPod("stray", rs, orphan))
	if n := f.c.rs.loop.Len(); n != 1 {
		t.Fatalf("an orphan matching one ReplicaSet queued %d keys, want 1", n)
	}
	f.c.rs.exp.ExpectCreations("ns/web", 1)
	p := newPod("p", rs, notReady)
	f.c.addPod(p)
	if !f.c.rs.exp.Satisfied("ns/web") {
		t.Fatal("the pod's add did not meet the creation expectation")
	}
	f.c.rs.exp.ExpectDeletions("ns/web", []types.UID{p.UID})
	q := p.DeepCopy()
	q.ResourceVersion = "2"
	q.DeletionTimestamp = &metav1.Time{Time: t0}
	f.c.updatePod(p, q)
	if !f.c.rs.exp.Satisfied("ns/web") {
		t.Fatal("a deletion timestamp did not meet the deletion expectation")
	}
}

func TestReplicationControllerReconcile(t *testing.T) {
	n := int32(2)
	rc := &v1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "legacy", UID: "uid-legacy", Generation: 2},
		Spec: v1.ReplicationControllerSpec{
			Replicas: &n, Selector: map[string]string{"app": "legacy"},
			Template: &v1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "legacy"}},
				Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "nginx"}}},
			},
		},
	}
	f := newFixture(t, rc)
	if _, err := f.reconcile(f.c.rc, "ns/legacy"); err != nil {
		t.Fatal(err)
	}
	got := f.serverPods()
	if len(got) != 2 {
		t.Fatalf("%d pods, want 2", len(got))
	}
	ref := metav1.GetControllerOf(&got[0])
	if ref == nil || ref.Kind != "ReplicationController" || ref.APIVersion != "v1" || ref.UID != rc.UID {
		t.Fatalf("controller ref %+v", ref)
	}
	if n := f.count("update replicationcontrollers/status"); n != 1 {
		t.Fatalf("actions %v", f.actions())
	}
	st, err := f.client.CoreV1().ReplicationControllers("ns").Get(context.Background(), "legacy", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.ObservedGeneration != 2 || st.Spec.Template == nil || st.Spec.Selector["app"] != "legacy" {
		t.Fatalf("rc after status write: %+v", st)
	}
	// The pods' events reach the RC's reconciler.
	f.syncPods()
	if !f.c.rc.exp.Satisfied("ns/legacy") || f.c.rc.loop.Len() != 1 || f.c.rs.loop.Len() != 0 {
		t.Fatalf("pod adds: rc queue %d, rs queue %d", f.c.rc.loop.Len(), f.c.rs.loop.Len())
	}
}

func TestReplicaSetReconcileRanksVictimsBySiblingsOnTheNode(t *testing.T) {
	dep := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "d", UID: "uid-d", Controller: new(true)}
	cur, old := newRS("cur", 1), newRS("old", 2)
	cur.OwnerReferences = []metav1.OwnerReference{dep}
	old.OwnerReferences = []metav1.OwnerReference{dep}
	f := newFixture(t, cur, old,
		newPod("a", cur, onNode("node-a"), ready(t0)),
		newPod("b", cur, onNode("node-b"), ready(t0)),
		newPod("old-1", old, onNode("node-b")),
		newPod("old-2", old, onNode("node-b")),
	)
	if _, err := f.reconcile(f.c.rs, "ns/cur"); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, p := range f.serverPods() {
		left = append(left, p.Name)
	}
	slices.Sort(left)
	if !slices.Equal(left, []string{"a", "old-1", "old-2"}) {
		t.Fatalf("pods left %v: the pod sharing node-b with the old ReplicaSet's pods should have gone", left)
	}
}
