package endpoints

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
)

// newTestController runs Reconcile over caches the test fills by hand
// (the informers never start) and a fake clientset.
func newTestController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset, func(...runtime.Object)) {
	t.Helper()
	client := fake.NewClientset()
	f := informers.NewSharedInformerFactory(client, time.Hour)
	c, err := New(&deps.Deps{Client: client, Informers: f, Recorder: func(string) record.EventRecorder { return record.NewFakeRecorder(10) }})
	if err != nil {
		t.Fatal(err)
	}
	put := func(objs ...runtime.Object) {
		for _, o := range objs {
			var inf cache.SharedIndexInformer
			switch o.(type) {
			case *v1.Service:
				inf = f.Core().V1().Services().Informer()
			case *v1.Pod:
				inf = f.Core().V1().Pods().Informer()
			case *v1.Endpoints:
				inf = f.Core().V1().Endpoints().Informer()
			}
			if err := inf.GetIndexer().Update(o); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(objs...)
	return c, client, put
}

func verbs(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		out = append(out, a.GetVerb())
	}
	client.ClearActions()
	return out
}

func TestReconcile(t *testing.T) {
	ctx := context.Background()
	created := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := svc(func(s *v1.Service) { s.CreationTimestamp = created })
	c, client, put := newTestController(t, s, pod("a", "10.244.0.5"))
	if _, err := c.Reconcile(ctx, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if v := verbs(client); len(v) != 1 || v[0] != "create" {
		t.Fatalf("first sync: %v, want a create", v)
	}
	ep, err := client.CoreV1().Endpoints("ns").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	if ep.Annotations[v1.EndpointsLastChangeTriggerTime] != "2026-01-01T00:00:00Z" || ep.Labels["team"] != "blue" {
		t.Errorf("annotations %v labels %v", ep.Annotations, ep.Labels)
	}
	// The cache lags: the create fails as a duplicate and is retried.
	after, err := c.Reconcile(ctx, "ns/web")
	if err != nil || after == 0 {
		t.Errorf("sync before the cache shows the create: %v %v, want a quiet retry", after, err)
	}
	client.ClearActions()
	ep.ResourceVersion = "5"
	put(ep)
	if _, err := c.Reconcile(ctx, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if v := verbs(client); len(v) != 0 {
		t.Fatalf("up-to-date Endpoints rewritten: %v", v)
	}
	// A pod turns not ready: one update; until the cache shows it, no more.
	put(pod("a", "10.244.0.5", notReady))
	if _, err := c.Reconcile(ctx, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if v := verbs(client); len(v) != 1 || v[0] != "update" {
		t.Fatalf("readiness change: %v, want an update", v)
	}
	if after, _ := c.Reconcile(ctx, "ns/web"); after == 0 || len(verbs(client)) != 0 {
		t.Errorf("sync on the stale cache: requeue %v; want a retry without writes", after)
	}
}

func TestReconcileServiceGone(t *testing.T) {
	c, client, _ := newTestController(t)
	if _, err := client.CoreV1().Endpoints("ns").Create(context.Background(), &v1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	if _, err := c.Reconcile(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	var deleted bool
	for _, a := range client.Actions() {
		if d, ok := a.(clienttesting.DeleteAction); ok && a.GetVerb() == "delete" && d.GetName() == "web" {
			deleted = true
		}
	}
	if !deleted {
		t.Errorf("Endpoints of a deleted Service kept: %v", client.Actions())
	}
}

func TestReconcileSelectorless(t *testing.T) {
	c, client, _ := newTestController(t, svc(func(s *v1.Service) { s.Spec.Selector = nil }), pod("a", "10.244.0.5"))
	if _, err := c.Reconcile(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if v := verbs(client); len(v) != 0 {
		t.Errorf("selectorless Service: %v, want no writes", v)
	}
}
