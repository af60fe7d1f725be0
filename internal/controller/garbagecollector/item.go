package garbagecollector

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"
)

// attemptToDeleteItem looks the item up live and deletes it if all its
// owners are gone, keeps it (patching dangling references away) if some
// remain, or finishes its own foreground deletion.
func (c *Controller) attemptToDeleteItem(ctx context.Context, v view) error {
	if v.beingDeleted && !v.deletingDependents {
		// Deletion is one way: its dependents are handled once it is gone.
		return nil
	}
	latest, err := c.get(ctx, v.identity)
	switch {
	case apierrors.IsNotFound(err), err == nil && latest.UID != v.identity.UID:
		c.virtualDelete(v.identity)
		return errVirtualDeleted
	case err != nil:
		return err
	}
	if v.deletingDependents {
		return c.processDeletingDependents(ctx, v)
	}
	if latest.DeletionTimestamp != nil {
		// The graph lags: the deletion will show up as an event.
		return nil
	}
	if len(latest.OwnerReferences) == 0 {
		return nil
	}
	cl, err := classify(latest.OwnerReferences, func(r metav1.OwnerReference) (ownerState, error) {
		return c.ownerState(ctx, r, v.identity)
	})
	if err != nil {
		return err
	}
	d := decide(cl, v.dependentCount > 0, v.dependentDeletingDependents, latest.Finalizers)
	switch d.action {
	case removeRefs:
		c.log.Debug("removing references to absent or foreground-deleting owners", "item", v.identity, "owners", d.remove)
		return c.patchOwnerRefs(ctx, v.identity, withoutOwners(d.remove))
	case deleteObject:
		if d.unblock {
			// A dependent also deletes in the foreground: don't let the
			// two wait for each other.
			if err := c.patchOwnerRefs(ctx, v.identity, unblocked); err != nil {
				return err
			}
		}
		c.log.Debug("deleting", "item", v.identity, "propagationPolicy", d.policy)
		return c.deleteObject(ctx, v.identity, latest.ResourceVersion, latest.OwnerReferences, d.policy)
	}
	return nil
}

// processDeletingDependents finishes a foreground deletion once no
// dependent blocks it, and otherwise makes sure the blocking ones go.
func (c *Controller) processDeletingDependents(ctx context.Context, v view) error {
	if len(v.blocking) == 0 {
		return c.removeFinalizer(ctx, v.identity, metav1.FinalizerDeleteDependents)
	}
	for _, d := range v.blocking {
		if !d.deletingDependents {
			c.attemptToDelete(d.identity.UID)
		}
	}
	return nil
}

// ownerState looks owner reference r of item up live, by name, checking
// the UID (an owner missing from the cache may just be new).
func (c *Controller) ownerState(ctx context.Context, r metav1.OwnerReference, item objectRef) (ownerState, error) {
	key := refOf(r, "")
	if c.isAbsent(key) {
		return ownerDangling, nil
	}
	key.Namespace = item.Namespace
	if c.isAbsent(key) {
		return ownerDangling, nil
	}
	res, namespaced, err := c.resource(r.APIVersion, r.Kind)
	if err != nil {
		return 0, err
	}
	if !namespaced {
		key.Namespace = ""
	}
	if item.Namespace == "" && namespaced {
		c.log.Debug("cluster-scoped item refers to a namespaced owner", "item", item, "owner", r)
		return 0, errNamespacedOwnerOfClusterScoped
	}
	owner, err := c.client.Resource(res).Namespace(key.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		c.absent(key)
		return ownerDangling, nil
	case err != nil:
		return 0, err
	case owner.UID != r.UID:
		c.absent(key)
		return ownerDangling, nil
	}
	return ownerStateOf(owner), nil
}

// resource maps an apiVersion and kind to its resource and scope.
func (c *Controller) resource(apiVersion, kind string) (schema.GroupVersionResource, bool, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return schema.GroupVersionResource{}, false, err
	}
	m, err := c.mapper.RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
	if err != nil {
		return schema.GroupVersionResource{}, false, fmt.Errorf("unable to get REST mapping for %s/%s: %w", apiVersion, kind, err)
	}
	return m.Resource, m.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// resourceClient is the metadata client for id's resource and namespace.
func (c *Controller) resourceClient(id objectRef) (metadata.ResourceInterface, error) {
	res, namespaced, err := c.resource(id.APIVersion, id.Kind)
	if err != nil {
		return nil, err
	}
	ns := ""
	if namespaced {
		ns = id.Namespace
	}
	return c.client.Resource(res).Namespace(ns), nil
}

func (c *Controller) get(ctx context.Context, id objectRef) (*metav1.PartialObjectMetadata, error) {
	rc, err := c.resourceClient(id)
	if err != nil {
		return nil, err
	}
	return rc.Get(ctx, id.Name, metav1.GetOptions{})
}
