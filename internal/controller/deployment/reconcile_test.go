package deployment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
)

// fixture is a controller on a fake clientset whose informer caches are
// refreshed from the clientset before every reconcile (an up-to-date
// cache; lagging caches are the API server's conflicts to catch).
type fixture struct {
	t        *testing.T
	client   *fake.Clientset
	c        *Controller
	events   *record.FakeRecorder
	indexers map[string]cache.Indexer
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	client := fake.NewSimpleClientset(objs...)
	// The fake sets neither UIDs nor creation times; the server does.
	var created int
	client.PrependReactor("create", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if m, err := meta.Accessor(a.(k8stesting.CreateAction).GetObject()); err == nil && m.GetUID() == "" {
			created++
			m.SetUID(types.UID(fmt.Sprintf("uid-%d", created)))
			m.SetCreationTimestamp(metav1.NewTime(t0.Add(time.Duration(created) * time.Second)))
		}
		return false, nil, nil
	})
	f := informers.NewSharedInformerFactory(client, 0)
	events := record.NewFakeRecorder(100)
	c, err := New(&deps.Deps{Client: client, Informers: f, Recorder: func(string) record.EventRecorder { return events }})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, client: client, c: c, events: events, indexers: map[string]cache.Indexer{
		"deployments": f.Apps().V1().Deployments().Informer().GetIndexer(),
		"replicasets": f.Apps().V1().ReplicaSets().Informer().GetIndexer(),
		"pods":        f.Core().V1().Pods().Informer().GetIndexer(),
	}}
}

func (f *fixture) refresh() {
	ctx := context.Background()
	ds, _ := f.client.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	rss, _ := f.client.AppsV1().ReplicaSets("").List(ctx, metav1.ListOptions{})
	pods, _ := f.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	var items []any
	for i := range ds.Items {
		items = append(items, &ds.Items[i])
	}
	f.indexers["deployments"].Replace(items, "")
	items = nil
	for i := range rss.Items {
		items = append(items, &rss.Items[i])
	}
	f.indexers["replicasets"].Replace(items, "")
	items = nil
	for i := range pods.Items {
		items = append(items, &pods.Items[i])
	}
	f.indexers["pods"].Replace(items, "")
}

func (f *fixture) reconcile() {
	f.t.Helper()
	f.refresh()
	if _, err := f.c.Reconcile(context.Background(), "ns/web"); err != nil {
		f.t.Fatalf("reconcile: %v", err)
	}
}

func (f *fixture) deployment() *appsv1.Deployment {
	d, err := f.client.AppsV1().Deployments("ns").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// replicaSets maps revision → ReplicaSet.
func (f *fixture) replicaSets() map[int64]*appsv1.ReplicaSet {
	l, err := f.client.AppsV1().ReplicaSets("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[int64]*appsv1.ReplicaSet{}
	for i := range l.Items {
		out[Revision(&l.Items[i])] = &l.Items[i]
	}
	return out
}

// settle makes every ReplicaSet's pods exist and be available.
func (f *fixture) settle() {
	for _, r := range f.replicaSets() {
		n := replicas(r)
		r.Status = appsv1.ReplicaSetStatus{Replicas: n, ReadyReplicas: n, AvailableReplicas: n, ObservedGeneration: r.Generation}
		if _, err := f.client.AppsV1().ReplicaSets("ns").UpdateStatus(context.Background(), r, metav1.UpdateOptions{}); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) expectEvent(substr string) {
	f.t.Helper()
	for {
		select {
		case e := <-f.events.Events:
			if strings.Contains(e, substr) {
				return
			}
		default:
			f.t.Fatalf("no event containing %q", substr)
		}
	}
}

func TestDeploymentReconcileCreatesReplicaSet(t *testing.T) {
	d := deploy(4, "1", "0")
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "first"}
	f := newFixture(t, d)
	f.reconcile()
	rss := f.replicaSets()
	r := rss[1]
	if len(rss) != 1 || r == nil {
		t.Fatalf("replica sets by revision: %v", rss)
	}
	hash := ComputeHash(&d.Spec.Template, nil)
	if r.Name != "web-"+hash || r.Labels[hashLabel] != hash || r.Spec.Template.Labels[hashLabel] != hash ||
		r.Spec.Selector.MatchLabels[hashLabel] != hash || r.Spec.Selector.MatchLabels["app"] != "web" {
		t.Errorf("replica set %s labels %v selector %v", r.Name, r.Spec.Template.Labels, r.Spec.Selector)
	}
	if ref := metav1.GetControllerOf(r); ref == nil || ref.UID != d.UID || ref.Kind != "Deployment" {
		t.Errorf("owner %+v", ref)
	}
	if replicas(r) != 4 || r.Annotations[DesiredReplicasAnnotation] != "4" || r.Annotations[MaxReplicasAnnotation] != "5" ||
		r.Annotations["kubernetes.io/change-cause"] != "first" {
		t.Errorf("size %d annotations %v", replicas(r), r.Annotations)
	}
	f.expectEvent("Normal ScalingReplicaSet Scaled up replica set web-" + hash + " from 0 to 4")
	got := f.deployment()
	if got.Annotations[RevisionAnnotation] != "1" {
		t.Errorf("deployment revision %q", got.Annotations[RevisionAnnotation])
	}
	if progressingReason(got.Status) != ReasonNewRSCreated {
		t.Errorf("Progressing %+v", got.Status.Conditions)
	}

	f.settle()
	f.reconcile()
	got = f.deployment()
	s := got.Status
	if s.Replicas != 4 || s.UpdatedReplicas != 4 || s.AvailableReplicas != 4 || s.ReadyReplicas != 4 || s.ObservedGeneration != got.Generation {
		t.Errorf("status %+v", s)
	}
	if progressingReason(s) != ReasonNewRSAvailable {
		t.Errorf("Progressing %+v", s.Conditions)
	}
	if c := getCondition(s, appsv1.DeploymentAvailable); c == nil || c.Status != v1.ConditionTrue {
		t.Errorf("Available %+v", c)
	}
}

func TestDeploymentReconcileRollingUpdate(t *testing.T) {
	f := newFixture(t, deploy(4, "1", "0"))
	f.reconcile()
	f.settle()
	f.reconcile()

	d := f.deployment()
	d.Spec.Template.Spec.Containers[0].Image = "img:2"
	d.Generation++
	if _, err := f.client.AppsV1().Deployments("ns").Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.reconcile()
	rss := f.replicaSets()
	if len(rss) != 2 || replicas(rss[1]) != 4 || replicas(rss[2]) != 1 {
		t.Fatalf("after first step: rev1 %d rev2 %d", replicas(rss[1]), replicas(rss[2]))
	}
	f.expectEvent("Scaled up replica set " + rss[2].Name + " from 0 to 1")
	// Steps until done: never above 5 pods, never below 4 available.
	for i := 0; i < 20; i++ {
		f.settle()
		f.reconcile()
		rss = f.replicaSets()
		if total := replicas(rss[1]) + replicas(rss[2]); total > 5 {
			t.Fatalf("step %d: %d pods", i, total)
		}
	}
	if replicas(rss[1]) != 0 || replicas(rss[2]) != 4 {
		t.Fatalf("end: rev1 %d rev2 %d", replicas(rss[1]), replicas(rss[2]))
	}
	f.expectEvent("Scaled down replica set " + rss[1].Name + " from 4 to 3")
	got := f.deployment()
	if got.Annotations[RevisionAnnotation] != "2" || progressingReason(got.Status) != ReasonNewRSAvailable || got.Status.UpdatedReplicas != 4 {
		t.Errorf("deployment revision %q status %+v", got.Annotations[RevisionAnnotation], got.Status)
	}

	// Rolling back to the first template reuses its ReplicaSet as
	// revision 3, remembering revision 1.
	d = f.deployment()
	d.Spec.Template.Spec.Containers[0].Image = "img:1"
	if _, err := f.client.AppsV1().Deployments("ns").Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.reconcile()
	rss = f.replicaSets()
	if r := rss[3]; r == nil || r.Annotations[RevisionHistoryAnnotation] != "1" || len(rss) != 2 {
		t.Fatalf("after rollback: %v", rss)
	}
}

func TestDeploymentReconcileAdoptsAndScales(t *testing.T) {
	d := deploy(3, "1", "0")
	orphan := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-old", Namespace: "ns", UID: "orphan", Labels: map[string]string{"app": "web"}},
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr(int32(2)), Selector: d.Spec.Selector, Template: d.Spec.Template},
	}
	f := newFixture(t, d, orphan)
	f.reconcile()
	got, err := f.client.AppsV1().ReplicaSets("ns").Get(context.Background(), "web-old", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(got); ref == nil || ref.UID != d.UID {
		t.Fatalf("orphan not adopted: %+v", got.OwnerReferences)
	}
	// The adopted ReplicaSet has the template: it is the new one, no
	// other is made, and it grows to 3.
	if rss := f.replicaSets(); len(rss) != 1 || replicas(rss[1]) != 3 {
		t.Fatalf("replica sets %v", rss)
	}
	f.settle()
	f.reconcile()
	// kubectl scale: a scaling event, the one active set takes it all.
	d = f.deployment()
	d.Spec.Replicas = ptr(int32(7))
	f.client.AppsV1().Deployments("ns").Update(context.Background(), d, metav1.UpdateOptions{})
	f.reconcile()
	if r := f.replicaSets()[1]; replicas(r) != 7 || r.Annotations[DesiredReplicasAnnotation] != "7" {
		t.Fatalf("after scale: %d %v", replicas(r), r.Annotations)
	}
	f.expectEvent("Scaled up replica set web-old from 3 to 7")
}

func TestDeploymentReconcilePausedScalesOnly(t *testing.T) {
	f := newFixture(t, deploy(2, "1", "0"))
	f.reconcile()
	f.settle()
	f.reconcile()
	d := f.deployment()
	d.Spec.Paused = true
	d.Spec.Template.Spec.Containers[0].Image = "img:2"
	d.Spec.Replicas = ptr(int32(3))
	f.client.AppsV1().Deployments("ns").Update(context.Background(), d, metav1.UpdateOptions{})
	f.reconcile()
	rss := f.replicaSets()
	if len(rss) != 1 || replicas(rss[1]) != 3 {
		t.Fatalf("paused: replica sets %v, rev1 size %d", len(rss), replicas(rss[1]))
	}
	if got := f.deployment(); progressingReason(got.Status) != ReasonPaused {
		t.Errorf("paused: Progressing %+v", got.Status.Conditions)
	}
	d = f.deployment()
	d.Spec.Paused = false
	f.client.AppsV1().Deployments("ns").Update(context.Background(), d, metav1.UpdateOptions{})
	f.reconcile()
	if rss := f.replicaSets(); len(rss) != 2 {
		t.Fatalf("resumed: %d replica sets", len(rss))
	}
}

func TestDeploymentReconcileRecreateWaitsForOldPods(t *testing.T) {
	d := deploy(2, "1", "0")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	f := newFixture(t, d)
	f.reconcile()
	f.settle()
	f.reconcile()
	old := f.replicaSets()[1]
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: old.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(old, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}},
		Status: v1.PodStatus{Phase: v1.PodRunning},
	}
	f.client.CoreV1().Pods("ns").Create(context.Background(), pod, metav1.CreateOptions{})

	d = f.deployment()
	d.Spec.Template.Spec.Containers[0].Image = "img:2"
	f.client.AppsV1().Deployments("ns").Update(context.Background(), d, metav1.UpdateOptions{})
	f.reconcile() // scales old to 0
	f.settle()    // its status says 0 pods, but one still runs
	f.reconcile()
	if rss := f.replicaSets(); len(rss) != 1 || replicas(rss[1]) != 0 {
		t.Fatalf("while an old pod runs: %d replica sets, old size %d", len(rss), replicas(rss[1]))
	}
	f.client.CoreV1().Pods("ns").Delete(context.Background(), "p", metav1.DeleteOptions{})
	f.reconcile()
	if rss := f.replicaSets(); len(rss) != 2 || replicas(rss[2]) != 2 {
		t.Fatalf("after old pods are gone: %v", rss)
	}
}

func TestDeploymentReconcileRevisionHistoryLimit(t *testing.T) {
	d := deploy(1, "1", "0")
	d.Spec.RevisionHistoryLimit = ptr(int32(1))
	f := newFixture(t, d)
	for i, img := range []string{"img:1", "img:2", "img:3", "img:4"} {
		d := f.deployment()
		d.Spec.Template.Spec.Containers[0].Image = img
		f.client.AppsV1().Deployments("ns").Update(context.Background(), d, metav1.UpdateOptions{})
		for step := 0; step < 6; step++ {
			f.reconcile()
			f.settle()
		}
		if rss := f.replicaSets(); replicas(rss[int64(i+1)]) != 1 {
			t.Fatalf("rollout %d did not finish: %v", i+1, rss)
		}
	}
	rss := f.replicaSets()
	if len(rss) != 2 || rss[4] == nil || rss[3] == nil {
		t.Fatalf("kept revisions %v, want 3 and 4", rss)
	}
}

// A ReplicaSet already holding the new one's name with another template
// (a hash collision) bumps status.collisionCount; the next try picks
// another name.
func TestDeploymentReconcileHashCollision(t *testing.T) {
	d := deploy(2, "1", "0")
	other := d.Spec.Template.DeepCopy()
	other.Spec.Containers[0].Image = "something-else"
	squatter := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-" + ComputeHash(&d.Spec.Template, nil), Namespace: "ns", UID: "squatter",
			Labels: map[string]string{"team": "x"}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr(int32(0)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "x"}}, Template: *other},
	}
	f := newFixture(t, d, squatter)
	f.refresh()
	if _, err := f.c.Reconcile(context.Background(), "ns/web"); err == nil {
		t.Fatal("reconcile with a colliding name succeeded")
	}
	got := f.deployment()
	if got.Status.CollisionCount == nil || *got.Status.CollisionCount != 1 {
		t.Fatalf("collisionCount %v", got.Status.CollisionCount)
	}
	f.reconcile()
	want := "web-" + ComputeHash(&d.Spec.Template, ptr(int32(1)))
	if r := f.replicaSets()[1]; r == nil || r.Name != want || replicas(r) != 2 {
		t.Fatalf("after collision: %v, want %s", f.replicaSets(), want)
	}
}

// A controller that finds the new ReplicaSet already there (a restart)
// reports FoundNewReplicaSet and records its revision on the Deployment.
func TestDeploymentReconcileFoundNewReplicaSet(t *testing.T) {
	d := deploy(2, "1", "0")
	hash := ComputeHash(&d.Spec.Template, nil)
	existing := newRSFor(d, nil, 1)
	existing.UID = "existing"
	f := newFixture(t, d, existing)
	f.reconcile()
	got := f.deployment()
	if c := getCondition(got.Status, appsv1.DeploymentProgressing); c == nil || c.Reason != ReasonFoundNewRS || c.Message != `Found new replica set "web-`+hash+`"` {
		t.Fatalf("Progressing %+v", c)
	}
	if got.Annotations[RevisionAnnotation] != "1" {
		t.Errorf("revision %q", got.Annotations[RevisionAnnotation])
	}
}
