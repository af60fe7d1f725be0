package garbagecollector

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

type eventType int

const (
	addEvent eventType = iota
	updateEvent
	deleteEvent
)

// event is one observed change (or, virtual, a deletion the collector
// confirmed with the API server) for the graph builder.
type event struct {
	typ eventType
	// virtual events come from the collector, not from an informer.
	virtual bool
	obj     *metav1.PartialObjectMetadata
	old     *metav1.PartialObjectMetadata // update events only
	gvk     schema.GroupVersionKind
	// id, for virtual events, is the identity confirmed absent.
	id *objectRef
}

// sink is what the graph builder asks of the collector.
type sink interface {
	attemptToDelete(uid types.UID)
	attemptToOrphan(uid types.UID)
	absent(ref objectRef)
	// invalidNamespace reports that dependent n names owner uid in a
	// namespace the owner is not in (event OwnerRefInvalidNamespace).
	invalidNamespace(n objectRef, ref metav1.OwnerReference)
}

// builder keeps the graph up to date from events. Only one goroutine
// calls process.
type builder struct {
	g   *graph
	out sink
}

func identityOf(ev *event) objectRef {
	if ev.id != nil {
		return *ev.id
	}
	return objectRef{
		APIVersion: ev.gvk.GroupVersion().String(), Kind: ev.gvk.Kind,
		Name: ev.obj.Name, UID: ev.obj.UID, Namespace: ev.obj.Namespace,
	}
}

func beingDeleted(m *metav1.PartialObjectMetadata) bool {
	return m != nil && m.DeletionTimestamp != nil
}

func hasFinalizer(m *metav1.PartialObjectMetadata, f string) bool {
	return m != nil && slices.Contains(m.Finalizers, f)
}

// process applies one event to the graph.
func (b *builder) process(ev *event) {
	b.g.mu.Lock()
	defer b.g.mu.Unlock()
	existing, found := b.g.nodes[ev.obj.UID]
	if found && !ev.virtual && existing.virtual {
		existing = b.observe(existing, identityOf(ev))
	}
	switch {
	case ev.typ != deleteEvent && !found:
		n := &node{
			identity:           identityOf(ev),
			dependents:         map[*node]struct{}{},
			owners:             ev.obj.OwnerReferences,
			beingDeleted:       beingDeleted(ev.obj),
			deletingDependents: beingDeleted(ev.obj) && hasFinalizer(ev.obj, metav1.FinalizerDeleteDependents),
		}
		b.g.nodes[n.identity.UID] = n
		b.addDependentToOwners(n, n.owners)
		b.transitions(ev.old, ev.obj, n)
	case ev.typ != deleteEvent && found:
		added, removed, changed := referencesDiffs(existing.owners, ev.obj.OwnerReferences)
		if len(added)+len(removed)+len(changed) > 0 {
			b.addUnblockedOwners(removed, changed)
			existing.owners = ev.obj.OwnerReferences
			b.addDependentToOwners(existing, added)
			b.removeDependentFromOwners(existing, removed)
		}
		if beingDeleted(ev.obj) {
			existing.beingDeleted = true
		}
		b.transitions(ev.old, ev.obj, existing)
	case ev.typ == deleteEvent && found:
		b.deleted(ev, existing)
	}
}

// observe marks a virtual node as observed, replacing its identity by the
// observed one; dependents that named it differently are re-checked.
func (b *builder) observe(n *node, observed objectRef) *node {
	if observed != n.identity {
		_, invalid := partitionDependents(n.dependentList(), observed)
		for _, dep := range invalid {
			if observed.Namespace != "" && dep.identity.Namespace != observed.Namespace {
				b.reportInvalidNamespace(dep, observed.UID)
			}
			b.out.attemptToDelete(dep.identity.UID)
		}
		n = n.clone()
		n.identity = observed
		b.replace(n)
	}
	n.virtual = false
	return n
}

// replace puts n in the graph in place of the node with its UID, fixing
// the dependents' and owners' links.
func (b *builder) replace(n *node) {
	old := b.g.nodes[n.identity.UID]
	b.g.nodes[n.identity.UID] = n
	if old == nil {
		return
	}
	for _, o := range old.owners {
		if on, ok := b.g.nodes[o.UID]; ok {
			if _, had := on.dependents[old]; had {
				delete(on.dependents, old)
				on.dependents[n] = struct{}{}
			}
		}
	}
}

func (b *builder) reportInvalidNamespace(dep *node, owner types.UID) {
	for _, o := range dep.owners {
		if o.UID == owner {
			b.out.invalidNamespace(dep.identity, o)
			return
		}
	}
}

// addDependentToOwners links n to its owners, making virtual nodes for
// owners not seen yet (the collector checks them with the API server).
func (b *builder) addDependentToOwners(n *node, owners []metav1.OwnerReference) {
	suspect := false
	for _, o := range owners {
		on, ok := b.g.nodes[o.UID]
		if !ok {
			on = &node{identity: refOf(o, n.identity.Namespace), dependents: map[*node]struct{}{}, virtual: true}
			b.g.nodes[o.UID] = on
			on.dependents[n] = struct{}{}
			b.out.attemptToDelete(o.UID)
			continue
		}
		on.dependents[n] = struct{}{}
		if suspect {
			continue
		}
		ownerNamespaced := on.identity.Namespace != ""
		switch {
		case ownerNamespaced && on.identity.Namespace != n.identity.Namespace:
			// A namespaced owner must be in the dependent's namespace.
			if !on.virtual {
				b.reportInvalidNamespace(n, o.UID)
			}
			suspect = true
		case !matchesCoordinates(o, on.identity):
			suspect = true
		case !ownerNamespaced && on.identity.Namespace != n.identity.Namespace && on.virtual:
			// A virtual cluster-scoped owner named by a dependent of another
			// namespace may be a namespaced object referenced wrongly.
			suspect = true
		}
	}
	if suspect {
		// Let the collector verify the references with the API server.
		b.out.attemptToDelete(n.identity.UID)
	}
}

func (b *builder) removeDependentFromOwners(n *node, owners []metav1.OwnerReference) {
	for _, o := range owners {
		if on, ok := b.g.nodes[o.UID]; ok {
			delete(on.dependents, n)
		}
	}
}

// addUnblockedOwners re-checks foreground-deleting owners a dependent no
// longer blocks.
func (b *builder) addUnblockedOwners(removed []metav1.OwnerReference, changed []refPair) {
	for _, r := range removed {
		if blocks(r) {
			if _, ok := b.g.nodes[r.UID]; ok {
				b.out.attemptToDelete(r.UID)
			}
		}
	}
	for _, c := range changed {
		if blocks(c.old) && !blocks(c.new) {
			if _, ok := b.g.nodes[c.new.UID]; ok {
				b.out.attemptToDelete(c.new.UID)
			}
		}
	}
}

func blocks(r metav1.OwnerReference) bool {
	return r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion
}

// transitions starts orphaning or foreground deletion when an object
// starts being deleted with the matching finalizer.
func (b *builder) transitions(old, cur *metav1.PartialObjectMetadata, n *node) {
	if startsDeletingWith(old, cur, metav1.FinalizerOrphanDependents) {
		b.out.attemptToOrphan(n.identity.UID)
		return
	}
	if startsDeletingWith(old, cur, metav1.FinalizerDeleteDependents) {
		n.deletingDependents = true
		for d := range n.dependents {
			b.out.attemptToDelete(d.identity.UID)
		}
		b.out.attemptToDelete(n.identity.UID)
	}
}

func startsDeletingWith(old, cur *metav1.PartialObjectMetadata, fin string) bool {
	if !beingDeleted(cur) || !hasFinalizer(cur, fin) {
		return false
	}
	return old == nil || !beingDeleted(old) || !hasFinalizer(old, fin)
}

// deleted handles a deletion: an observed one removes the node and
// re-checks its dependents (and foreground owners it may have blocked); a
// virtual one (the collector found the object gone) does so only for the
// identity it confirmed.
func (b *builder) deleted(ev *event, n *node) {
	remove := true
	if ev.virtual {
		gone := identityOf(ev)
		if n.virtual {
			matching, nonmatching := partitionDependents(n.dependentList(), gone)
			if len(nonmatching) > 0 {
				// Some dependents name this UID with other coordinates:
				// only the confirmed identity is absent.
				remove = false
				if len(matching) > 0 {
					b.out.absent(gone)
					for _, d := range matching {
						b.out.attemptToDelete(d.identity.UID)
					}
				}
				if n.identity == gone {
					if alt := alternateIdentity(nonmatching, gone); alt != nil {
						r := n.clone()
						r.identity = *alt
						b.replace(r)
						b.out.attemptToDelete(r.identity.UID)
					}
				}
			}
		} else if n.identity != gone {
			// An observed object outlives a wrong reference's check.
			remove = false
			matching, _ := partitionDependents(n.dependentList(), gone)
			if len(matching) > 0 {
				b.out.absent(gone)
				for _, d := range matching {
					b.out.attemptToDelete(d.identity.UID)
				}
			}
		}
	}
	if !remove {
		return
	}
	delete(b.g.nodes, n.identity.UID)
	b.removeDependentFromOwners(n, n.owners)
	if len(n.dependents) > 0 {
		b.out.absent(identityOf(ev))
	}
	for d := range n.dependents {
		b.out.attemptToDelete(d.identity.UID)
	}
	for _, o := range n.owners {
		if on, ok := b.g.nodes[o.UID]; ok && on.deletingDependents {
			b.out.attemptToDelete(o.UID)
		}
	}
}
