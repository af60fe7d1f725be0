package garbagecollector

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// recorder is a sink that records what the builder asks for.
type recorder struct {
	deletes, orphans []types.UID
	absents          []objectRef
	invalid          []string // dependent name → owner name
}

func (r *recorder) attemptToDelete(uid types.UID) { r.deletes = append(r.deletes, uid) }
func (r *recorder) attemptToOrphan(uid types.UID) { r.orphans = append(r.orphans, uid) }
func (r *recorder) absent(ref objectRef)          { r.absents = append(r.absents, ref) }
func (r *recorder) invalidNamespace(n objectRef, o metav1.OwnerReference) {
	r.invalid = append(r.invalid, n.Name+"->"+o.Name)
}
func (r *recorder) reset() { *r = recorder{} }

var cmGVK = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}

func newTestBuilder() (*builder, *recorder) {
	r := &recorder{}
	return &builder{g: newGraph(), out: r}, r
}

func cm(ns, name, uid string, owners ...metav1.OwnerReference) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid), OwnerReferences: owners}}
}

func cmRef(o *metav1.PartialObjectMetadata, block bool) metav1.OwnerReference {
	r := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: o.Name, UID: o.UID}
	if block {
		r.BlockOwnerDeletion = &block
	}
	return r
}

func add(b *builder, o *metav1.PartialObjectMetadata) {
	b.process(&event{typ: addEvent, obj: o, gvk: cmGVK})
}

func update(b *builder, old, o *metav1.PartialObjectMetadata) {
	b.process(&event{typ: updateEvent, obj: o, old: old, gvk: cmGVK})
}

func del(b *builder, o *metav1.PartialObjectMetadata) {
	b.process(&event{typ: deleteEvent, obj: o, gvk: cmGVK})
}

func deleting(o *metav1.PartialObjectMetadata, fins ...string) *metav1.PartialObjectMetadata {
	c := o.DeepCopy()
	now := metav1.Now()
	c.DeletionTimestamp = &now
	c.Finalizers = fins
	return c
}

// A dependent seen before its owner makes a virtual owner node, which the
// collector must check; observing the owner makes it real.
func TestBuilderVirtualOwner(t *testing.T) {
	b, r := newTestBuilder()
	owner := cm("ns", "owner", "o")
	add(b, cm("ns", "dep", "d", cmRef(owner, false)))
	v, ok := b.g.view("o")
	if !ok || !v.virtual || v.dependentCount != 1 || v.identity.Namespace != "ns" {
		t.Fatalf("virtual owner: %+v %v", v, ok)
	}
	if !slices.Equal(r.deletes, []types.UID{"o"}) {
		t.Fatalf("attemptToDelete %v, want the virtual owner", r.deletes)
	}
	r.reset()
	add(b, owner)
	v, _ = b.g.view("o")
	if v.virtual || v.dependentCount != 1 {
		t.Fatalf("observed owner: %+v", v)
	}
	if len(r.deletes) != 0 || len(r.invalid) != 0 {
		t.Fatalf("nothing to re-check for a matching identity: %+v", r)
	}
}

// Deleting an owner re-checks its dependents and records it absent.
func TestBuilderOwnerDeleted(t *testing.T) {
	b, r := newTestBuilder()
	owner := cm("ns", "owner", "o")
	add(b, owner)
	add(b, cm("ns", "a", "a", cmRef(owner, false)))
	add(b, cm("ns", "b", "b", cmRef(owner, false)))
	r.reset()
	del(b, owner)
	if b.g.has("o") {
		t.Fatal("owner still in the graph")
	}
	slices.Sort(r.deletes)
	if !slices.Equal(r.deletes, []types.UID{"a", "b"}) {
		t.Fatalf("attemptToDelete %v, want both dependents", r.deletes)
	}
	if len(r.absents) != 1 || r.absents[0].UID != "o" {
		t.Fatalf("absent %v", r.absents)
	}
}

// An owner starting deletion with the orphan finalizer is orphaned, once.
func TestBuilderOrphanTransition(t *testing.T) {
	b, r := newTestBuilder()
	owner := cm("ns", "owner", "o")
	add(b, owner)
	marked := deleting(owner, metav1.FinalizerOrphanDependents)
	update(b, owner, marked)
	update(b, marked, marked)
	if !slices.Equal(r.orphans, []types.UID{"o"}) {
		t.Fatalf("attemptToOrphan %v, want o once", r.orphans)
	}
}

// Foreground: the owner is marked deletingDependents and it and its
// dependents are checked; blocking dependents hold it; a dependent that
// goes or stops blocking re-checks the owner.
func TestBuilderForeground(t *testing.T) {
	b, r := newTestBuilder()
	owner := cm("ns", "owner", "o")
	add(b, owner)
	blocker := cm("ns", "blocker", "b", cmRef(owner, true))
	add(b, blocker)
	add(b, cm("ns", "free", "f", cmRef(owner, false)))
	r.reset()
	update(b, owner, deleting(owner, metav1.FinalizerDeleteDependents))
	v, _ := b.g.view("o")
	if !v.deletingDependents || !v.beingDeleted || len(v.blocking) != 1 || v.blocking[0].identity.UID != "b" {
		t.Fatalf("owner view %+v", v)
	}
	slices.Sort(r.deletes)
	if !slices.Equal(r.deletes, []types.UID{"b", "f", "o"}) {
		t.Fatalf("attemptToDelete %v", r.deletes)
	}
	// The blocker drops blockOwnerDeletion: the owner is re-checked.
	r.reset()
	update(b, blocker, cm("ns", "blocker", "b", cmRef(owner, false)))
	if !slices.Equal(r.deletes, []types.UID{"o"}) {
		t.Fatalf("unblocking: attemptToDelete %v", r.deletes)
	}
	if v, _ := b.g.view("o"); len(v.blocking) != 0 {
		t.Fatalf("still blocked: %+v", v.blocking)
	}
	// A dependent going away re-checks its foreground-deleting owner.
	r.reset()
	del(b, cm("ns", "free", "f", cmRef(owner, false)))
	if !slices.Equal(r.deletes, []types.UID{"o"}) {
		t.Fatalf("dependent deleted: attemptToDelete %v", r.deletes)
	}
}

// A foreground-deleting object first seen already deleting (e.g. after a
// restart) is marked so at once.
func TestBuilderForegroundOnAdd(t *testing.T) {
	b, r := newTestBuilder()
	add(b, deleting(cm("ns", "owner", "o"), metav1.FinalizerDeleteDependents))
	v, _ := b.g.view("o")
	if !v.deletingDependents || !slices.Contains(r.deletes, "o") {
		t.Fatalf("view %+v, deletes %v", v, r.deletes)
	}
}

// A namespaced owner in another namespace is reported (event
// OwnerRefInvalidNamespace) and the dependent checked.
func TestBuilderOwnerInOtherNamespace(t *testing.T) {
	b, r := newTestBuilder()
	owner := cm("a", "owner", "o")
	add(b, owner)
	add(b, cm("b", "dep", "d", cmRef(owner, false)))
	if !slices.Equal(r.invalid, []string{"dep->owner"}) || !slices.Contains(r.deletes, "d") {
		t.Fatalf("invalid %v deletes %v", r.invalid, r.deletes)
	}
	// The other order: the dependent first (virtual owner in "b"), then
	// the owner observed in "a".
	b, r = newTestBuilder()
	add(b, cm("b", "dep", "d", cmRef(owner, false)))
	r.reset()
	add(b, owner)
	if !slices.Equal(r.invalid, []string{"dep->owner"}) || !slices.Contains(r.deletes, "d") {
		t.Fatalf("owner observed later: invalid %v deletes %v", r.invalid, r.deletes)
	}
	if v, _ := b.g.view("o"); v.identity.Namespace != "a" || v.virtual {
		t.Fatalf("owner identity %+v", v.identity)
	}
}

// Changing ownerReferences moves the dependent between owners.
func TestBuilderOwnersChange(t *testing.T) {
	b, _ := newTestBuilder()
	o1, o2 := cm("ns", "o1", "1"), cm("ns", "o2", "2")
	add(b, o1)
	add(b, o2)
	dep := cm("ns", "dep", "d", cmRef(o1, false))
	add(b, dep)
	update(b, dep, cm("ns", "dep", "d", cmRef(o2, false)))
	v1, _ := b.g.view("1")
	v2, _ := b.g.view("2")
	if v1.dependentCount != 0 || v2.dependentCount != 1 {
		t.Fatalf("dependents: o1 %d o2 %d", v1.dependentCount, v2.dependentCount)
	}
}

// A virtual delete (the collector found the owner gone) removes a virtual
// node; when dependents disagree on its coordinates, only the confirmed
// identity is absent and the node takes another dependent's view.
func TestBuilderVirtualDelete(t *testing.T) {
	b, r := newTestBuilder()
	ghost := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "ghost", UID: "g"}
	add(b, cm("ns", "dep", "d", ghost))
	r.reset()
	id := refOf(ghost, "ns")
	b.process(&event{typ: deleteEvent, virtual: true, id: &id, obj: cm("ns", "ghost", "g"), gvk: cmGVK})
	if b.g.has("g") || !slices.Equal(r.deletes, []types.UID{"d"}) {
		t.Fatalf("virtual owner not removed: has %v deletes %v", b.g.has("g"), r.deletes)
	}

	b, r = newTestBuilder()
	other := ghost
	other.Name = "ghost2"
	add(b, cm("ns", "d1", "d1", ghost))
	add(b, cm("ns", "d2", "d2", other))
	r.reset()
	b.process(&event{typ: deleteEvent, virtual: true, id: &id, obj: cm("ns", "ghost", "g"), gvk: cmGVK})
	v, ok := b.g.view("g")
	if !ok || v.identity.Name != "ghost2" || !v.virtual {
		t.Fatalf("replacement virtual node: %+v %v", v, ok)
	}
	if !slices.Contains(r.deletes, "d1") || !slices.Contains(r.deletes, "g") || len(r.absents) != 1 || r.absents[0] != id {
		t.Fatalf("deletes %v absents %v", r.deletes, r.absents)
	}
}

// A virtual delete never removes an observed node with other coordinates.
func TestBuilderVirtualDeleteKeepsObserved(t *testing.T) {
	b, r := newTestBuilder()
	owner := cm("ns", "owner", "o")
	add(b, owner)
	wrong := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "wrong-name", UID: "o"}
	add(b, cm("ns", "dep", "d", wrong))
	r.reset()
	id := refOf(wrong, "ns")
	b.process(&event{typ: deleteEvent, virtual: true, id: &id, obj: cm("ns", "wrong-name", "o"), gvk: cmGVK})
	if !b.g.has("o") || !slices.Equal(r.deletes, []types.UID{"d"}) {
		t.Fatalf("has %v deletes %v", b.g.has("o"), r.deletes)
	}
}
