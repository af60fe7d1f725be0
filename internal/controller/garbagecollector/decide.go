package garbagecollector

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ownerState is what the API server says about one owner reference.
type ownerState int

const (
	// ownerSolid: the owner exists and does not wait for its dependents.
	ownerSolid ownerState = iota
	// ownerDangling: no object with that UID exists.
	ownerDangling
	// ownerWaiting: the owner is being deleted in the foreground.
	ownerWaiting
)

// classified are a dependent's references sorted by their owners' states.
type classified struct {
	solid, dangling, waiting []metav1.OwnerReference
}

// classify sorts refs by state (which looks an owner up; its error stops
// the classification).
func classify(refs []metav1.OwnerReference, state func(metav1.OwnerReference) (ownerState, error)) (classified, error) {
	var c classified
	for _, r := range refs {
		s, err := state(r)
		if err != nil {
			return classified{}, err
		}
		switch s {
		case ownerDangling:
			c.dangling = append(c.dangling, r)
		case ownerWaiting:
			c.waiting = append(c.waiting, r)
		default:
			c.solid = append(c.solid, r)
		}
	}
	return c, nil
}

// ownerStateOf is the state of an owner that exists.
func ownerStateOf(owner *metav1.PartialObjectMetadata) ownerState {
	if owner.DeletionTimestamp != nil && slices.Contains(owner.Finalizers, metav1.FinalizerDeleteDependents) {
		return ownerWaiting
	}
	return ownerSolid
}

type action int

const (
	// keep: an owner still holds the object.
	keep action = iota
	// removeRefs: patch the references in decision.remove away.
	removeRefs
	// deleteObject: delete with decision.policy (after unblocking the
	// object's own references if decision.unblock).
	deleteObject
)

// decision is what to do with a dependent.
type decision struct {
	action  action
	remove  []types.UID
	policy  metav1.DeletionPropagation
	unblock bool
}

// decide is upstream's choice for a dependent whose references are c:
//   - some owner exists: keep it, patching away references to absent
//     owners and to owners waiting for their dependents (else those wait
//     for ever);
//   - an owner waits for its dependents and the object has dependents of
//     its own: delete it in the foreground too, first unblocking its own
//     references if one of its dependents deletes in the foreground (a
//     possible cycle);
//   - otherwise delete it, honouring an orphan or foreground finalizer it
//     already has, background by default.
func decide(c classified, hasDependents, dependentDeletingDependents bool, finalizers []string) decision {
	switch {
	case len(c.solid) > 0:
		if len(c.dangling) == 0 && len(c.waiting) == 0 {
			return decision{action: keep}
		}
		var uids []types.UID
		for _, r := range append(append([]metav1.OwnerReference(nil), c.dangling...), c.waiting...) {
			uids = append(uids, r.UID)
		}
		return decision{action: removeRefs, remove: uids}
	case len(c.waiting) > 0 && hasDependents:
		return decision{action: deleteObject, policy: metav1.DeletePropagationForeground, unblock: dependentDeletingDependents}
	case slices.Contains(finalizers, metav1.FinalizerOrphanDependents):
		return decision{action: deleteObject, policy: metav1.DeletePropagationOrphan}
	case slices.Contains(finalizers, metav1.FinalizerDeleteDependents):
		return decision{action: deleteObject, policy: metav1.DeletePropagationForeground}
	default:
		return decision{action: deleteObject, policy: metav1.DeletePropagationBackground}
	}
}
