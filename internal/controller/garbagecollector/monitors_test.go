package garbagecollector

import (
	"testing"
	"time"

	"context"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Monitors follow discovery: new resources get one, removed resources
// lose theirs only when discovery was complete; objects reach the graph
// builder.
func TestMonitorsSync(t *testing.T) {
	owner := cm("ns", "owner", "o")
	c, _ := testCollector(t, owner)
	events := make(chan *event, 10)
	m := &monitors{client: c.client, push: func(ev *event) { events <- ev }}
	defer m.stopAll()
	cms := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	want := map[schema.GroupVersionResource]schema.GroupVersionKind{cms: cmGVK}
	if a, r := m.sync(want, true); a != 1 || r != 0 {
		t.Fatalf("added %d removed %d", a, r)
	}
	if a, _ := m.sync(want, true); a != 0 {
		t.Fatal("a running monitor was started again")
	}
	select {
	case ev := <-events:
		if ev.typ != addEvent || ev.obj.UID != "o" || ev.gvk != cmGVK {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no add event")
	}
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return m.synced(), nil
	}); err != nil {
		t.Fatal("monitors never synced")
	}
	if _, r := m.sync(nil, false); r != 0 {
		t.Fatal("a partial discovery removed a monitor")
	}
	if _, r := m.sync(nil, true); r != 1 {
		t.Fatal("a resource gone from discovery kept its monitor")
	}
}

// The cache keeps only what the graph uses.
func TestStripMeta(t *testing.T) {
	now := metav1.Now()
	in := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: "n", Namespace: "ns", UID: "u", ResourceVersion: "7", DeletionTimestamp: &now,
		OwnerReferences: []metav1.OwnerReference{ref("a")}, Finalizers: []string{"f"},
		Labels: map[string]string{"big": "label"}, Annotations: map[string]string{"big": "annotation"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	out, err := stripMeta(in)
	if err != nil {
		t.Fatal(err)
	}
	p := out.(*metav1.PartialObjectMetadata)
	if p.Labels != nil || p.Annotations != nil || p.ManagedFields != nil {
		t.Fatalf("kept %+v", p.ObjectMeta)
	}
	if p.Name != "n" || p.Namespace != "ns" || p.UID != "u" || p.ResourceVersion != "7" || p.DeletionTimestamp == nil || len(p.OwnerReferences) != 1 || len(p.Finalizers) != 1 {
		t.Fatalf("lost %+v", p.ObjectMeta)
	}
}
