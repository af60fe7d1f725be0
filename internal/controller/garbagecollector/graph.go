package garbagecollector

import (
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// objectRef is an object's identity in the graph: an owner reference's
// coordinates plus the namespace. For a virtual node (an owner nobody has
// observed yet) it is what the first dependent claimed.
type objectRef struct {
	APIVersion string
	Kind       string
	Name       string
	UID        types.UID
	Namespace  string
}

func (r objectRef) String() string {
	return fmt.Sprintf("[%s/%s, namespace: %s, name: %s, uid: %s]", r.APIVersion, r.Kind, r.Namespace, r.Name, r.UID)
}

// refOf is the identity an owner reference names, seen from a dependent
// in namespace ns.
func refOf(o metav1.OwnerReference, ns string) objectRef {
	return objectRef{APIVersion: o.APIVersion, Kind: o.Kind, Name: o.Name, UID: o.UID, Namespace: ns}
}

// node is one object of the graph.
type node struct {
	identity objectRef
	// dependents are the nodes whose ownerReferences name this one.
	dependents map[*node]struct{}
	// owners are the object's ownerReferences as last observed.
	owners []metav1.OwnerReference
	// virtual: known only from dependents' references, not observed by an
	// informer yet.
	virtual bool
	// beingDeleted: the object has a deletionTimestamp.
	beingDeleted bool
	// deletingDependents: being deleted with the foregroundDeletion
	// finalizer.
	deletingDependents bool
	// checks counts re-checks of a virtual node (for back-off).
	checks int
}

func (n *node) clone() *node {
	c := *n
	c.dependents = make(map[*node]struct{}, len(n.dependents))
	for d := range n.dependents {
		c.dependents[d] = struct{}{}
	}
	c.owners = append([]metav1.OwnerReference(nil), n.owners...)
	return &c
}

// blockingDependents are the dependents whose reference to n has
// blockOwnerDeletion set.
func (n *node) blockingDependents() []*node {
	var out []*node
	for d := range n.dependents {
		for _, o := range d.owners {
			if o.UID == n.identity.UID && o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

func (n *node) dependentList() []*node {
	out := make([]*node, 0, len(n.dependents))
	for d := range n.dependents {
		out = append(out, d)
	}
	return out
}

// graph is the ownership graph by UID. The graph builder is its only
// writer; workers read snapshots under the lock.
type graph struct {
	mu    sync.RWMutex
	nodes map[types.UID]*node
}

func newGraph() *graph { return &graph{nodes: map[types.UID]*node{}} }

// view is what a worker needs of a node, copied under the lock.
type view struct {
	identity           objectRef
	virtual            bool
	beingDeleted       bool
	deletingDependents bool
	dependentCount     int
	// blocking are the dependents that block this owner's deletion (only
	// computed while it deletes its dependents in the foreground).
	blocking []view
	// dependentDeletingDependents: some dependent is itself being deleted
	// in the foreground (a possible cycle).
	dependentDeletingDependents bool
	checks                      int
}

// view copies node uid; ok is false if it is not in the graph.
func (g *graph) view(uid types.UID) (view, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	n, ok := g.nodes[uid]
	if !ok {
		return view{}, false
	}
	v := view{
		identity: n.identity, virtual: n.virtual, beingDeleted: n.beingDeleted,
		deletingDependents: n.deletingDependents, checks: n.checks, dependentCount: len(n.dependents),
	}
	for d := range n.dependents {
		if d.deletingDependents {
			v.dependentDeletingDependents = true
			break
		}
	}
	if n.deletingDependents {
		for _, d := range n.blockingDependents() {
			v.blocking = append(v.blocking, view{identity: d.identity, deletingDependents: d.deletingDependents})
		}
	}
	return v, true
}

// dependents are the identities of uid's dependents.
func (g *graph) dependents(uid types.UID) []objectRef {
	g.mu.RLock()
	defer g.mu.RUnlock()
	n, ok := g.nodes[uid]
	if !ok {
		return nil
	}
	out := make([]objectRef, 0, len(n.dependents))
	for d := range n.dependents {
		out = append(out, d.identity)
	}
	return out
}

// bumpChecks counts one more re-check of a virtual node and returns the
// count.
func (g *graph) bumpChecks(uid types.UID) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n, ok := g.nodes[uid]; ok {
		n.checks++
		return n.checks
	}
	return 0
}

// has reports whether uid is in the graph (tests).
func (g *graph) has(uid types.UID) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	_, ok := g.nodes[uid]
	return ok
}
