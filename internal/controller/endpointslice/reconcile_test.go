package endpointslice

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
)

// testController is the controller over a fake clientset whose informers
// are never started: the test fills their caches by hand, so it decides
// how far the cache lags behind the API.
type testController struct {
	*Controller
	client *fake.Clientset
	f      informers.SharedInformerFactory
}

func newTestController(t *testing.T, opts ...deps.Options) *testController {
	t.Helper()
	client := fake.NewClientset()
	n := 0
	// The fake clientset neither generates names nor sets UIDs and
	// generations; the API server does.
	client.PrependReactor("create", "endpointslices", func(a clienttesting.Action) (bool, runtime.Object, error) {
		s := a.(clienttesting.CreateAction).GetObject().(*discovery.EndpointSlice)
		n++
		s.Name = s.GenerateName + fmt.Sprint(n)
		s.UID = types.UID("uid-" + s.Name)
		s.Generation = 1
		return false, nil, nil
	})
	client.PrependReactor("update", "endpointslices", func(a clienttesting.Action) (bool, runtime.Object, error) {
		a.(clienttesting.UpdateAction).GetObject().(*discovery.EndpointSlice).Generation++
		return false, nil, nil
	})
	f := informers.NewSharedInformerFactory(client, time.Hour)
	d := &deps.Deps{Client: client, Informers: f, Recorder: func(string) record.EventRecorder { return record.NewFakeRecorder(10) }}
	if len(opts) > 0 {
		d.Options = opts[0]
	}
	c, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	return &testController{Controller: c, client: client, f: f}
}

func (tc *testController) cache(t *testing.T, objs ...runtime.Object) {
	t.Helper()
	for _, o := range objs {
		var inf cache.SharedIndexInformer
		switch o.(type) {
		case *v1.Service:
			inf = tc.f.Core().V1().Services().Informer()
		case *v1.Pod:
			inf = tc.f.Core().V1().Pods().Informer()
		case *v1.Node:
			inf = tc.f.Core().V1().Nodes().Informer()
		case *discovery.EndpointSlice:
			inf = tc.f.Discovery().V1().EndpointSlices().Informer()
		}
		if err := inf.GetIndexer().Update(o); err != nil {
			t.Fatal(err)
		}
	}
}

// writes lists the slice writes since the last call, as "verb name"
// ("create generateName").
func (tc *testController) writes() []string {
	var out []string
	for _, a := range tc.client.Actions() {
		switch a.GetVerb() {
		case "create":
			out = append(out, "create "+a.(clienttesting.CreateAction).GetObject().(*discovery.EndpointSlice).GenerateName)
		case "update":
			out = append(out, "update "+a.(clienttesting.UpdateAction).GetObject().(*discovery.EndpointSlice).Name)
		case "delete":
			out = append(out, "delete "+a.(clienttesting.DeleteAction).GetName())
		}
	}
	tc.client.ClearActions()
	return out
}

// apiSlices are the slices the fake API holds.
func (tc *testController) apiSlices(t *testing.T) []runtime.Object {
	t.Helper()
	l, err := tc.client.DiscoveryV1().EndpointSlices("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tc.client.ClearActions()
	var out []runtime.Object
	for i := range l.Items {
		out = append(out, &l.Items[i])
	}
	return out
}

func node(name string) *v1.Node {
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1.LabelTopologyZone: "z1"}}}
}

func TestReconcileWaitsForItsOwnWrites(t *testing.T) {
	ctx := context.Background()
	tc := newTestController(t)
	tc.cache(t, svc(), node("node-a"), pod("a", "10.244.0.5"), pod("b", "10.244.0.6"))
	if _, err := tc.Reconcile(ctx, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if w := tc.writes(); len(w) != 1 || w[0] != "create web-" {
		t.Fatalf("first sync wrote %v, want one create", w)
	}
	// The informer has not delivered the new slice: no second slice.
	again, err := tc.Reconcile(ctx, "ns/web")
	if err != nil {
		t.Fatal(err)
	}
	if w := tc.writes(); len(w) != 0 || again == 0 {
		t.Fatalf("sync on a stale cache wrote %v (requeue %v); want nothing, and a retry", w, again)
	}
	tc.cache(t, tc.apiSlices(t)...)
	if _, err := tc.Reconcile(ctx, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if w := tc.writes(); len(w) != 0 {
		t.Fatalf("up-to-date slice rewritten: %v", w)
	}
	// A pod turns not ready: the slice is updated in place.
	tc.cache(t, pod("b", "10.244.0.6", notReady, func(p *v1.Pod) { p.Status.Conditions[0].LastTransitionTime = metav1.Now() }))
	if _, err := tc.Reconcile(ctx, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if w := tc.writes(); len(w) != 1 || w[0] != "update web-1" {
		t.Fatalf("readiness change wrote %v, want one update", w)
	}
	got := tc.apiSlices(t)[0].(*discovery.EndpointSlice)
	if got.Annotations[v1.EndpointsLastChangeTriggerTime] == "" {
		t.Errorf("annotations %v: want a trigger time", got.Annotations)
	}
	if z := got.Endpoints[0].Zone; z == nil || *z != "z1" {
		t.Errorf("zone %v, want z1", z)
	}
}

// --max-endpoints-per-slice caps the slices written.
func TestReconcileMaxEndpointsPerSlice(t *testing.T) {
	tc := newTestController(t, deps.Options{MaxEndpointsPerSlice: 2})
	tc.cache(t, svc(), node("node-a"), pod("a", "10.244.0.5"), pod("b", "10.244.0.6"), pod("c", "10.244.0.7"))
	if _, err := tc.Reconcile(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, o := range tc.apiSlices(t) {
		sizes = append(sizes, len(o.(*discovery.EndpointSlice).Endpoints))
	}
	sort.Ints(sizes)
	if !slices.Equal(sizes, []int{1, 2}) {
		t.Errorf("slices of %v endpoints, want 2 and 1", sizes)
	}
}

func TestReconcileSelectorless(t *testing.T) {
	tc := newTestController(t)
	tc.cache(t, svc(func(s *v1.Service) { s.Spec.Selector = nil }), pod("a", "10.244.0.5"))
	if _, err := tc.Reconcile(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if w := tc.writes(); len(w) != 0 {
		t.Errorf("wrote %v for a Service without a selector", w)
	}
	// Slices made while it had a selector go.
	tc.cache(t, sliceOf(svc(), "web-old", pod("a", "10.244.0.5")))
	if _, err := tc.Reconcile(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if w := tc.writes(); len(w) != 1 || w[0] != "delete web-old" {
		t.Errorf("selector removed: wrote %v, want the old slice deleted", w)
	}
}

// A pod on a node the cache does not know is left out, and the sync
// reports an error so that it is retried.
func TestReconcileUnknownNode(t *testing.T) {
	tc := newTestController(t)
	tc.cache(t, svc(), node("node-a"), pod("a", "10.244.0.5"), pod("b", "10.244.0.6", func(p *v1.Pod) { p.Spec.NodeName = "gone" }))
	if _, err := tc.Reconcile(context.Background(), "ns/web"); err == nil {
		t.Error("want an error for the pod on an unknown node")
	}
	s := tc.apiSlices(t)
	if len(s) != 1 || len(s[0].(*discovery.EndpointSlice).Endpoints) != 1 {
		t.Errorf("want one slice with the one pod on a known node: %+v", s)
	}
}
