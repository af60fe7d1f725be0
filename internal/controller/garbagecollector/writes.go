package garbagecollector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
)

// deleteObject deletes id with UID (and resourceVersion) preconditions. If
// the object changed but not its ownerReferences, the decision still holds:
// delete it without the resourceVersion precondition, so that busy objects
// (pods) are not starved.
func (c *Controller) deleteObject(ctx context.Context, id objectRef, rv string, owners []metav1.OwnerReference, policy metav1.DeletionPropagation) error {
	rc, err := c.resourceClient(id)
	if err != nil {
		return err
	}
	uid := id.UID
	pre := metav1.Preconditions{UID: &uid}
	if rv != "" {
		pre.ResourceVersion = &rv
	}
	opts := metav1.DeleteOptions{Preconditions: &pre, PropagationPolicy: &policy}
	err = rc.Delete(ctx, id.Name, opts)
	if apierrors.IsConflict(err) && rv != "" {
		live, gerr := rc.Get(ctx, id.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(gerr):
			return nil
		case gerr == nil && live.UID == id.UID && live.ResourceVersion != rv && reflect.DeepEqual(live.OwnerReferences, owners):
			pre.ResourceVersion = nil
			err = rc.Delete(ctx, id.Name, opts)
		}
	}
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// refsEdit computes new ownerReferences from the current ones.
type refsEdit func([]metav1.OwnerReference) []metav1.OwnerReference

func withoutOwners(uids []types.UID) refsEdit {
	return func(refs []metav1.OwnerReference) []metav1.OwnerReference {
		return slices.DeleteFunc(slices.Clone(refs), func(r metav1.OwnerReference) bool { return slices.Contains(uids, r.UID) })
	}
}

// unblocked clears blockOwnerDeletion on every reference.
func unblocked(refs []metav1.OwnerReference) []metav1.OwnerReference {
	out := slices.Clone(refs)
	for i := range out {
		if blocks(out[i]) {
			f := false
			out[i].BlockOwnerDeletion = &f
		}
	}
	return out
}

// metaPatch is a JSON merge patch of metadata; uid and resourceVersion
// make it conditional (the server rejects a mismatch with a conflict).
type metaPatch struct {
	Metadata struct {
		UID             types.UID                `json:"uid,omitempty"`
		ResourceVersion string                   `json:"resourceVersion"`
		OwnerReferences *[]metav1.OwnerReference `json:"ownerReferences,omitempty"`
		Finalizers      *[]string                `json:"finalizers,omitempty"`
	} `json:"metadata"`
}

// patchOwnerRefs rewrites id's ownerReferences with edit, retrying on
// conflicts. A JSON merge patch works for every resource, CRDs included.
func (c *Controller) patchOwnerRefs(ctx context.Context, id objectRef, edit refsEdit) error {
	rc, err := c.resourceClient(id)
	if err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cur, err := rc.Get(ctx, id.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if cur.UID != id.UID {
			return nil
		}
		refs := edit(cur.OwnerReferences)
		if reflect.DeepEqual(refs, cur.OwnerReferences) {
			return nil
		}
		var p metaPatch
		p.Metadata.UID, p.Metadata.ResourceVersion = id.UID, cur.ResourceVersion
		if refs == nil {
			refs = []metav1.OwnerReference{}
		}
		p.Metadata.OwnerReferences = &refs
		body, _ := json.Marshal(p)
		_, err = rc.Patch(ctx, id.Name, types.MergePatchType, body, metav1.PatchOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
}

// removeFinalizer takes finalizer fin off id, retrying on conflicts.
func (c *Controller) removeFinalizer(ctx context.Context, id objectRef, fin string) error {
	rc, err := c.resourceClient(id)
	if err != nil {
		return err
	}
	err = retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cur, err := rc.Get(ctx, id.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot finalize owner %s, because cannot get it: %w", id, err)
		}
		if cur.UID != id.UID || !slices.Contains(cur.Finalizers, fin) {
			return nil
		}
		fins := slices.DeleteFunc(slices.Clone(cur.Finalizers), func(f string) bool { return f == fin })
		var p metaPatch
		p.Metadata.UID, p.Metadata.ResourceVersion = id.UID, cur.ResourceVersion
		p.Metadata.Finalizers = &fins
		body, _ := json.Marshal(p)
		_, err = rc.Patch(ctx, id.Name, types.MergePatchType, body, metav1.PatchOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
	if apierrors.IsConflict(err) {
		return fmt.Errorf("updateMaxRetries(%d) has reached. The garbage collector will retry later for owner %v", retry.DefaultBackoff.Steps, id)
	}
	return err
}

// orphanParallelism bounds the concurrent patches of one orphaning.
const orphanParallelism = 64

// orphanDependents removes owner's references from its dependents, in
// parallel as upstream (bounded, so that an owner of thousands does not
// open thousands of requests at once).
func (c *Controller) orphanDependents(ctx context.Context, owner objectRef, dependents []objectRef) error {
	errs := make([]error, len(dependents))
	sem := make(chan struct{}, orphanParallelism)
	var wg sync.WaitGroup
	for i, d := range dependents {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := c.patchOwnerRefs(ctx, d, withoutOwners([]types.UID{owner.UID})); err != nil {
				errs[i] = fmt.Errorf("orphaning %s failed, %w", d, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("failed to orphan dependents of owner %s, got errors: %w", owner, err)
	}
	return nil
}
