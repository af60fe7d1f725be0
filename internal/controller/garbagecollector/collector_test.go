package garbagecollector

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	fakediscovery "k8s.io/client-go/discovery/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"
)

// testCollector is a collector on fake clients serving ConfigMaps (and
// cluster-scoped Namespaces), with the objects objs.
func testCollector(t *testing.T, objs ...*metav1.PartialObjectMetadata) (*Controller, *metadatafake.FakeMetadataClient) {
	t.Helper()
	disc := &fakediscovery.FakeDiscovery{Fake: &k8stesting.Fake{Resources: []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{
			{Name: "configmaps", Kind: "ConfigMap", Namespaced: true, Verbs: []string{"delete", "list", "watch", "get", "patch"}},
			{Name: "namespaces", Kind: "Namespace", Verbs: []string{"delete", "list", "watch", "get", "patch"}},
		},
	}}}}
	var ros []runtime.Object
	for _, o := range objs {
		o = o.DeepCopy()
		o.APIVersion, o.Kind = "v1", "ConfigMap"
		if o.Namespace == "" {
			o.Kind = "Namespace"
		}
		o.ResourceVersion = "1"
		ros = append(ros, o)
	}
	scheme := metadatafake.NewTestScheme()
	scheme.AddKnownTypeWithName(cmGVK, &metav1.PartialObjectMetadata{})
	scheme.AddKnownTypeWithName(cmGVK.GroupVersion().WithKind("ConfigMapList"), &metav1.PartialObjectMetadataList{})
	scheme.AddKnownTypeWithName(nsGVK, &metav1.PartialObjectMetadata{})
	scheme.AddKnownTypeWithName(nsGVK.GroupVersion().WithKind("NamespaceList"), &metav1.PartialObjectMetadataList{})
	client := metadatafake.NewSimpleMetadataClient(scheme, ros...)
	return newController(client, disc, defaultWorkers), client
}

// observe feeds objects to the graph as informer adds.
func observe(c *Controller, objs ...*metav1.PartialObjectMetadata) {
	for _, o := range objs {
		c.b.process(&event{typ: addEvent, obj: o, gvk: cmGVK})
	}
}

func writes(client *metadatafake.FakeMetadataClient) []k8stesting.Action {
	var out []k8stesting.Action
	for _, a := range client.Actions() {
		if a.GetVerb() != "get" {
			out = append(out, a)
		}
	}
	return out
}

// A dependent whose only owner is gone is deleted in the background with
// a UID precondition; one whose other owner lives loses the dangling
// reference.
func TestCollectorDeletesOrPatchesDependents(t *testing.T) {
	live := cm("ns", "live", "l")
	lonely := cm("ns", "lonely", "d1", ref("gone"))
	shared := cm("ns", "shared", "d2", ref("gone"), cmRef(live, false))
	c, client := testCollector(t, live, lonely, shared)
	observe(c, live, lonely, shared)
	ctx := context.Background()

	if _, err := c.reconcileDelete(ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	w := writes(client)
	if len(w) != 1 || w[0].GetVerb() != "delete" {
		t.Fatalf("actions %v, want one delete", w)
	}
	opts := w[0].(k8stesting.DeleteActionImpl).DeleteOptions
	if opts.Preconditions == nil || *opts.Preconditions.UID != "d1" || *opts.PropagationPolicy != metav1.DeletePropagationBackground {
		t.Fatalf("delete options %+v", opts)
	}

	client.ClearActions()
	if _, err := c.reconcileDelete(ctx, "d2"); err != nil {
		t.Fatal(err)
	}
	w = writes(client)
	if len(w) != 1 || w[0].GetVerb() != "patch" {
		t.Fatalf("actions %v, want one patch", w)
	}
	var p metaPatch
	if err := json.Unmarshal(w[0].(k8stesting.PatchActionImpl).Patch, &p); err != nil {
		t.Fatal(err)
	}
	if p.Metadata.UID != "d2" || p.Metadata.OwnerReferences == nil || len(*p.Metadata.OwnerReferences) != 1 || (*p.Metadata.OwnerReferences)[0].UID != "l" {
		t.Fatalf("patch %s", w[0].(k8stesting.PatchActionImpl).Patch)
	}

	client.ClearActions()
	if _, err := c.reconcileDelete(ctx, "l"); err != nil {
		t.Fatal(err)
	}
	if w := writes(client); len(w) != 0 {
		t.Fatalf("an object without owners was touched: %v", w)
	}
}

// An owner deleting in the foreground loses its finalizer once no
// dependent blocks it; until then its blocking dependents are deleted.
func TestCollectorForeground(t *testing.T) {
	owner := deleting(cm("ns", "owner", "o"), metav1.FinalizerDeleteDependents)
	blocker := cm("ns", "blocker", "b", cmRef(owner, true))
	c, client := testCollector(t, owner, blocker)
	observe(c, owner, blocker)
	ctx := context.Background()

	if _, err := c.reconcileDelete(ctx, "o"); err != nil {
		t.Fatal(err)
	}
	if w := writes(client); len(w) != 0 {
		t.Fatalf("blocked owner written: %v", w)
	}
	// The blocking dependent: its owner waits for it and it has no
	// dependents of its own, so it goes in the background.
	if _, err := c.reconcileDelete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	w := writes(client)
	if len(w) != 1 || w[0].GetVerb() != "delete" || *w[0].(k8stesting.DeleteActionImpl).DeleteOptions.PropagationPolicy != metav1.DeletePropagationBackground {
		t.Fatalf("actions %v, want the blocker deleted", w)
	}
	c.b.process(&event{typ: deleteEvent, obj: blocker, gvk: cmGVK})
	client.ClearActions()
	if _, err := c.reconcileDelete(ctx, "o"); err != nil {
		t.Fatal(err)
	}
	w = writes(client)
	if len(w) != 1 || w[0].GetVerb() != "patch" {
		t.Fatalf("actions %v, want the finalizer patched away", w)
	}
	var p metaPatch
	_ = json.Unmarshal(w[0].(k8stesting.PatchActionImpl).Patch, &p)
	if p.Metadata.Finalizers == nil || slices.Contains(*p.Metadata.Finalizers, metav1.FinalizerDeleteDependents) || p.Metadata.ResourceVersion == "" {
		t.Fatalf("patch %s", w[0].(k8stesting.PatchActionImpl).Patch)
	}
}

// Orphaning strips the owner's references from every dependent, then the
// orphan finalizer from the owner.
func TestCollectorOrphan(t *testing.T) {
	owner := deleting(cm("ns", "owner", "o"), metav1.FinalizerOrphanDependents)
	other := cm("ns", "other", "x")
	d1 := cm("ns", "d1", "d1", cmRef(owner, true))
	d2 := cm("ns", "d2", "d2", cmRef(owner, false), cmRef(other, false))
	c, client := testCollector(t, owner, other, d1, d2)
	observe(c, owner, other, d1, d2)
	if _, err := c.reconcileOrphan(context.Background(), "o"); err != nil {
		t.Fatal(err)
	}
	patched := map[string]metaPatch{}
	var order []string
	for _, a := range writes(client) {
		pa, ok := a.(k8stesting.PatchActionImpl)
		if !ok {
			t.Fatalf("unexpected %v", a)
		}
		var p metaPatch
		_ = json.Unmarshal(pa.Patch, &p)
		patched[pa.Name] = p
		order = append(order, pa.Name)
	}
	if len(order) != 3 || order[2] != "owner" {
		t.Fatalf("patches %v, want both dependents then the owner", order)
	}
	if refs := *patched["d1"].Metadata.OwnerReferences; len(refs) != 0 {
		t.Fatalf("d1 refs %v", refs)
	}
	if refs := *patched["d2"].Metadata.OwnerReferences; len(refs) != 1 || refs[0].UID != "x" {
		t.Fatalf("d2 refs %v", refs)
	}
	if fins := *patched["owner"].Metadata.Finalizers; len(fins) != 0 {
		t.Fatalf("owner finalizers %v", fins)
	}
}

var nsGVK = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}

// A cluster-scoped object naming a namespaced owner is left alone (the
// reference can never resolve), as upstream.
func TestCollectorClusterScopedWithNamespacedOwner(t *testing.T) {
	obj := cm("", "cluster-thing", "c", ref("gone"))
	c, client := testCollector(t, obj)
	c.b.process(&event{typ: addEvent, obj: obj, gvk: nsGVK})
	if _, err := c.reconcileDelete(context.Background(), "c"); err != nil {
		t.Fatal(err)
	}
	if w := writes(client); len(w) != 0 || c.changes.Len() != 0 {
		t.Fatalf("writes %v, %d graph changes", w, c.changes.Len())
	}
	if !slices.ContainsFunc(client.Actions(), func(a k8stesting.Action) bool { return a.GetResource().Resource == "namespaces" }) {
		t.Fatal("the object itself was never looked up")
	}
}

// A virtual owner confirmed absent is dropped from the graph by a virtual
// delete event, and its dependents are re-checked.
func TestCollectorVirtualOwnerAbsent(t *testing.T) {
	dep := cm("ns", "dep", "d", ref("ghost"))
	c, _ := testCollector(t, dep)
	observe(c, dep)
	if _, err := c.reconcileDelete(context.Background(), "ghost"); err != nil {
		t.Fatal(err)
	}
	if c.changes.Len() != 1 {
		t.Fatalf("%d graph changes queued, want the virtual delete", c.changes.Len())
	}
	ev, _ := c.changes.Get()
	if !ev.virtual || ev.typ != deleteEvent || ev.obj.UID != types.UID("ghost") {
		t.Fatalf("event %+v", ev)
	}
	c.b.process(ev)
	if c.g.has("ghost") {
		t.Fatal("virtual owner still in the graph")
	}
	if !c.isAbsent(refOf(ref("ghost"), "ns")) {
		t.Fatal("absent owner not cached")
	}
}

// Nothing runs before the graph holds everything the monitors listed.
func TestCollectorNotSyncedWithoutMonitors(t *testing.T) {
	c, _ := testCollector(t)
	if c.isSynced() {
		t.Fatal("synced with no monitors")
	}
	c.pending.Add(1)
	c.synced.Store(false)
	if c.isSynced() {
		t.Fatal("synced with unprocessed events")
	}
}

// Discovery: deletable resources without events.
func TestDeletableResources(t *testing.T) {
	disc := &fakediscovery.FakeDiscovery{Fake: &k8stesting.Fake{Resources: []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{
			{Name: "configmaps", Kind: "ConfigMap", Namespaced: true, Verbs: []string{"delete", "list", "watch"}},
			{Name: "events", Kind: "Event", Namespaced: true, Verbs: []string{"delete", "list", "watch"}},
			{Name: "bindings", Kind: "Binding", Namespaced: true, Verbs: []string{"create"}},
			{Name: "pods/status", Kind: "Pod", Namespaced: true, Verbs: []string{"get", "patch"}},
		},
	}}}}
	got, err := deletableResources(preferred{disc})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %v, want configmaps only", got)
	}
	for gvr, gvk := range got {
		if gvr.Resource != "configmaps" || gvk.Kind != "ConfigMap" {
			t.Fatalf("got %v %v", gvr, gvk)
		}
	}
}

// preferred serves the fake's resources as the preferred ones (the fake
// itself returns none).
type preferred struct{ *fakediscovery.FakeDiscovery }

func (p preferred) ServerPreferredResources() ([]*metav1.APIResourceList, error) {
	return p.Resources, nil
}
