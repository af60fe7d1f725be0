package namespace

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

func terminating(name string) *corev1.Namespace {
	now := metav1.Now()
	return &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, DeletionTimestamp: &now},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
	}
}

// newTestController wires the controller to fake clients whose discovery
// serves configmaps, and returns it with its fakes.
func newTestController(t *testing.T, ns *corev1.Namespace, content ...runtime.Object) (*Controller, *fake.Clientset, *dynfake.FakeDynamicClient) {
	t.Helper()
	client := fake.NewSimpleClientset(ns)
	served := []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{
			{Name: "configmaps", Namespaced: true, Kind: "ConfigMap", Verbs: []string{"list", "delete", "deletecollection"}},
			{Name: "configmaps/status", Namespaced: true, Kind: "ConfigMap", Verbs: []string{"get"}},
			{Name: "bindings", Namespaced: true, Kind: "Binding", Verbs: []string{"create"}},
		},
	}}
	scheme := runtime.NewScheme()
	corev1.AddToScheme(scheme)
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(scheme,
		map[schema.GroupVersionResource]string{{Version: "v1", Resource: "configmaps"}: "ConfigMapList"}, content...)
	f := informers.NewSharedInformerFactory(client, time.Hour)
	c, err := New(client, dyn, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.resources = func() ([]*metav1.APIResourceList, error) { return served, nil }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	return c, client, dyn
}

func TestReconcileEmptiesThenFinalizes(t *testing.T) {
	ns := terminating("gone")
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "gone"}}
	c, client, dyn := newTestController(t, ns, cm)

	// The fake dynamic client ignores DeleteCollection's effect on List, so the
	// first pass sees content remaining: it must requeue, not finalize.
	dyn.PrependReactor("delete-collection", "configmaps", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, dyn.Tracker().Delete(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, "gone", "a")
	})
	requeue, err := c.Reconcile(context.Background(), "gone")
	if err != nil || requeue != 0 {
		t.Fatalf("Reconcile = %v, %v; want finalized at once", requeue, err)
	}
	var deleted, finalized bool
	for _, a := range dyn.Actions() {
		deleted = deleted || (a.GetVerb() == "delete-collection" && a.GetResource().Resource == "configmaps" && a.GetNamespace() == "gone")
		if a.GetResource().Resource == "bindings" {
			t.Fatalf("tried to act on a resource without deletecollection: %v", a)
		}
	}
	for _, a := range client.Actions() {
		if u, ok := a.(clienttesting.UpdateAction); ok && a.GetSubresource() == "finalize" {
			finalized = len(u.GetObject().(*corev1.Namespace).Spec.Finalizers) == 0
		}
	}
	if !deleted || !finalized {
		t.Fatalf("deleted content %v, finalized %v; actions: %v %v", deleted, finalized, dyn.Actions(), client.Actions())
	}
}

func TestReconcileWaitsForRemainingContent(t *testing.T) {
	ns := terminating("slow")
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "held", Namespace: "slow", Finalizers: []string{"example.com/hold"}}}
	c, client, _ := newTestController(t, ns, cm)
	requeue, err := c.Reconcile(context.Background(), "slow")
	if err != nil || requeue == 0 {
		t.Fatalf("Reconcile = %v, %v; want a requeue while content remains", requeue, err)
	}
	for _, a := range client.Actions() {
		if a.GetSubresource() == "finalize" {
			t.Fatal("finalized a namespace that still has content")
		}
		if u, ok := a.(clienttesting.UpdateAction); ok && a.GetSubresource() == "status" {
			for _, cond := range u.GetObject().(*corev1.Namespace).Status.Conditions {
				if cond.Type == corev1.NamespaceContentRemaining && (cond.Status != corev1.ConditionTrue || !strings.Contains(cond.Message, "configmaps has 1 resource instances")) {
					t.Fatalf("NamespaceContentRemaining = %+v", cond)
				}
			}
		}
	}
}

func TestReconcileIgnoresLiveNamespaces(t *testing.T) {
	live := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "live"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}}}
	c, client, dyn := newTestController(t, live)
	if _, err := c.Reconcile(context.Background(), "live"); err != nil {
		t.Fatal(err)
	}
	if len(dyn.Actions()) != 0 {
		t.Fatalf("acted on a live namespace: %v", dyn.Actions())
	}
	for _, a := range client.Actions() {
		if a.GetVerb() != "list" && a.GetVerb() != "watch" {
			t.Fatalf("unexpected write for a live namespace: %v", a)
		}
	}
}
