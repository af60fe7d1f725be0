package replicaset

import (
	"maps"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/loop"
	"orca/internal/controller/pods"
)

// ownerHandler queues a ReplicaSet (or ReplicationController) on every
// change; a deleted one's expectations go with it.
func (r *reconciler) ownerHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: r.loop.Enqueue,
		UpdateFunc: func(old, cur any) {
			// Deleted and created again under the same name between two
			// events: the old object's expectations do not apply.
			if o, c := old.(metav1.Object), cur.(metav1.Object); o.GetUID() != c.GetUID() {
				if key, err := cache.MetaNamespaceKeyFunc(c); err == nil {
					r.exp.Forget(key)
				}
			}
			r.loop.Enqueue(cur)
		},
		DeleteFunc: func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				r.exp.Forget(key)
			}
			r.loop.Enqueue(obj)
		},
	}
}

// resolve is the owner a controller reference of a pod in namespace
// points at, with its reconciler and key; nil when it is not one of ours
// or no longer exists (a UID mismatch is a new object of the same name).
func (c *Controller) resolve(namespace string, ref *metav1.OwnerReference) (*reconciler, *appsv1.ReplicaSet, string) {
	r := c.forRef(ref)
	if r == nil {
		return nil, nil, ""
	}
	rs, err := r.get(namespace, ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil, nil, ""
	}
	return r, rs, namespace + "/" + ref.Name
}

// addPod: a created pod meets its owner's expectation; an orphan may be
// adopted by any owner whose selector matches.
func (c *Controller) addPod(obj any) {
	p := obj.(*v1.Pod)
	if p.DeletionTimestamp != nil {
		// Seen for the first time already being deleted (after a
		// restart): count it as deleted, not created.
		c.deletePod(p)
		return
	}
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
		if r, _, key := c.resolve(p.Namespace, ref); r != nil {
			r.exp.CreationObserved(key)
			r.loop.Add(key)
		}
		return
	}
	c.enqueueMatching(p)
}

// updatePod queues the pod's old and new owners; a pod that starts being
// deleted counts as deleted, and a pod that just became ready is looked at
// again when it becomes available.
func (c *Controller) updatePod(old, cur any) {
	o, n := old.(*v1.Pod), cur.(*v1.Pod)
	if o.ResourceVersion == n.ResourceVersion {
		return // a resync
	}
	labelsChanged := !maps.Equal(o.Labels, n.Labels)
	if n.DeletionTimestamp != nil {
		c.deletePod(n)
		if labelsChanged {
			c.deletePod(o)
		}
		return
	}
	oref, nref := metav1.GetControllerOfNoCopy(o), metav1.GetControllerOfNoCopy(n)
	refChanged := !equality.Semantic.DeepEqual(oref, nref)
	if refChanged && oref != nil {
		if r, _, key := c.resolve(o.Namespace, oref); r != nil {
			r.loop.Add(key)
		}
	}
	if nref != nil {
		if r, rs, key := c.resolve(n.Namespace, nref); r != nil {
			r.loop.Add(key)
			if !pods.IsReady(o) && pods.IsReady(n) && rs.Spec.MinReadySeconds > 0 {
				r.loop.AddAfter(key, time.Duration(rs.Spec.MinReadySeconds)*time.Second+time.Second)
			}
		}
		return
	}
	if labelsChanged || refChanged {
		c.enqueueMatching(n)
	}
}

// deletePod: a deleted pod meets its owner's deletion expectation.
func (c *Controller) deletePod(obj any) {
	p, ok := loop.Deleted[*v1.Pod](obj)
	if !ok {
		return
	}
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil {
		return
	}
	if r, _, key := c.resolve(p.Namespace, ref); r != nil {
		r.exp.DeletionObserved(key, p.UID)
		r.loop.Add(key)
	}
}

// enqueueMatching queues every owner, of both kinds, whose selector
// matches the orphan p.
func (c *Controller) enqueueMatching(p *v1.Pod) {
	for _, r := range []*reconciler{c.rs, c.rc} {
		owners, err := r.list(p.Namespace)
		if err != nil {
			continue
		}
		for _, rs := range owners {
			sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
			if err != nil || sel.Empty() || !sel.Matches(labels.Set(p.Labels)) {
				continue
			}
			r.loop.Add(rs.Namespace + "/" + rs.Name)
		}
	}
}
