package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// matchesCoordinates: the reference names exactly this identity (UID,
// name, kind and apiVersion; namespaces are compared by callers).
func matchesCoordinates(o metav1.OwnerReference, id objectRef) bool {
	return o.UID == id.UID && o.Name == id.Name && o.Kind == id.Kind && o.APIVersion == id.APIVersion
}

// refPair is one owner reference before and after an update.
type refPair struct{ old, new metav1.OwnerReference }

// referencesDiffs compares two ownerReferences lists by UID.
func referencesDiffs(old, cur []metav1.OwnerReference) (added, removed []metav1.OwnerReference, changed []refPair) {
	oldByUID := map[types.UID]metav1.OwnerReference{}
	for _, o := range old {
		oldByUID[o.UID] = o
	}
	for _, c := range cur {
		o, ok := oldByUID[c.UID]
		if !ok {
			added = append(added, c)
			continue
		}
		if !refEqual(o, c) {
			changed = append(changed, refPair{o, c})
		}
		delete(oldByUID, c.UID)
	}
	for _, o := range old {
		if _, ok := oldByUID[o.UID]; ok {
			removed = append(removed, o)
		}
	}
	return added, removed, changed
}

func refEqual(a, b metav1.OwnerReference) bool {
	return a.APIVersion == b.APIVersion && a.Kind == b.Kind && a.Name == b.Name && a.UID == b.UID &&
		boolEq(a.Controller, b.Controller) && boolEq(a.BlockOwnerDeletion, b.BlockOwnerDeletion)
}

func boolEq(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// partitionDependents splits dependents into those whose reference to
// owner.UID matches owner's identity (namespace included) and those whose
// does not (a dependent may be in both).
func partitionDependents(deps []*node, owner objectRef) (matching, nonmatching []*node) {
	namespaced := owner.Namespace != ""
	for _, d := range deps {
		match, mismatch := false, false
		if namespaced && d.identity.Namespace != owner.Namespace {
			mismatch = true
		} else {
			for _, o := range d.owners {
				if o.UID != owner.UID {
					continue
				}
				if matchesCoordinates(o, owner) {
					match = true
				} else {
					mismatch = true
				}
			}
		}
		if match {
			matching = append(matching, d)
		}
		if mismatch {
			nonmatching = append(nonmatching, d)
		}
	}
	return matching, nonmatching
}

// alternateIdentity is another identity dependents give the UID of a
// confirmed-absent identity: the first that sorts after it, else the first.
func alternateIdentity(deps []*node, gone objectRef) *objectRef {
	clusterScoped := gone.Namespace == ""
	seen := map[objectRef]bool{gone: true}
	var first, following *objectRef
	for _, d := range deps {
		for _, o := range d.owners {
			if o.UID != gone.UID {
				continue
			}
			if matchesCoordinates(o, gone) && (clusterScoped || gone.Namespace == d.identity.Namespace) {
				continue
			}
			ref := refOf(o, d.identity.Namespace)
			if clusterScoped && ref.APIVersion == gone.APIVersion && ref.Kind == gone.Kind {
				// That kind is known to be cluster-scoped.
				ref.Namespace = ""
			}
			if seen[ref] {
				continue
			}
			seen[ref] = true
			if first == nil {
				first = &ref
			}
			if following == nil && refLess(gone, ref) {
				following = &ref
			}
		}
	}
	if following != nil {
		return following
	}
	return first
}

// refLess orders identities: kind and apiVersion first (coherent across
// scopes), then namespace, name, UID.
func refLess(a, b objectRef) bool {
	for _, p := range [][2]string{
		{a.Kind, b.Kind}, {a.APIVersion, b.APIVersion}, {a.Namespace, b.Namespace},
		{a.Name, b.Name}, {string(a.UID), string(b.UID)},
	} {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return false
}
