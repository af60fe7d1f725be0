package registry

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"orca/internal/admission"
	"orca/internal/storage"
)

// Finalizers the garbage collector acts on.
const (
	FinalizerOrphan     = metav1.FinalizerOrphanDependents
	FinalizerForeground = metav1.FinalizerDeleteDependents
)

// deleteRetries bounds how often a delete starts over because the object
// changed between its checks and its removal.
const deleteRetries = 20

// Delete deletes an object, or marks it for deletion when finalizers or a
// grace period must run first. deleted reports that the object is gone.
// An object that changes meanwhile (a controller's status write) does not
// fail the request: the checks run again on the new version, as upstream.
func (r *REST) Delete(ctx context.Context, ns, name string, opts metav1.DeleteOptions) (runtime.Object, bool, error) {
	for range deleteRetries {
		out, deleted, err := r.deleteOnce(ctx, ns, name, opts)
		if err != errStale {
			return out, deleted, err
		}
	}
	return nil, false, apierrors.NewConflict(r.Res.GR(), name, errStale)
}

func (r *REST) deleteOnce(ctx context.Context, ns, name string, opts metav1.DeleteOptions) (runtime.Object, bool, error) {
	dry := slices.Contains(opts.DryRun, metav1.DryRunAll)
	var last runtime.Object
	var graceful bool
	out, err := r.Store.Update(ctx, r.key(ns, name), func(cur runtime.Object) (runtime.Object, error) {
		if err := r.checkPreconditions(name, cur, opts.Preconditions); err != nil {
			return nil, err
		}
		if err := r.Admit.Validate(ctx, r.attrs(ctx, admission.Delete, "", ns, name, nil, cur, dry)); err != nil {
			return nil, err
		}
		last = cur.DeepCopyObject()
		obj, pending := r.markDeleting(cur, opts)
		graceful = pending
		if !pending || dry {
			// Nothing to wait for (or a dry run): the object goes now.
			return nil, errDryRun{obj}
		}
		return obj, nil
	})
	if dr, ok := err.(errDryRun); ok {
		if dry {
			return dr.obj, !graceful, nil
		}
		return r.deleteNow(ctx, ns, name, last)
	}
	if err != nil {
		return nil, false, err
	}
	return out, false, nil
}

// deleteNow removes the object if it has not changed since it was checked
// (errStale if it has).
func (r *REST) deleteNow(ctx context.Context, ns, name string, seen runtime.Object) (runtime.Object, bool, error) {
	sm, _ := meta.Accessor(seen)
	out, err := r.Store.Delete(ctx, r.key(ns, name), func(cur runtime.Object) error {
		cm, _ := meta.Accessor(cur)
		if cm.GetResourceVersion() != sm.GetResourceVersion() {
			return errStale
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if r.Hooks != nil {
		r.Hooks.AfterDelete(ctx, out)
	}
	return out, true, nil
}

func (r *REST) checkPreconditions(name string, cur runtime.Object, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	m, _ := meta.Accessor(cur)
	if p.UID != nil && *p.UID != m.GetUID() {
		return apierrors.NewConflict(r.Res.GR(), name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, m.GetUID()))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
		return apierrors.NewConflict(r.Res.GR(), name, fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, m.GetResourceVersion()))
	}
	return nil
}

// markDeleting records a deletion request on obj. It reports whether the
// object must stay for now (finalizers to run, or a pod's grace period).
func (r *REST) markDeleting(obj runtime.Object, opts metav1.DeleteOptions) (runtime.Object, bool) {
	m, _ := meta.Accessor(obj)
	fins := gcFinalizers(m.GetFinalizers(), propagation(opts), r.defaultOrphan())
	grace := r.gracePeriod(obj, opts)
	nsFinalizing := markNamespaceTerminating(obj)
	if len(fins) == 0 && grace == 0 && !nsFinalizing {
		return obj, false
	}
	m.SetFinalizers(fins)
	switch dt, cur := m.GetDeletionTimestamp(), m.GetDeletionGracePeriodSeconds(); {
	case dt == nil:
		now := r.now().Truncate(time.Second)
		deadline := metav1.NewTime(now.Add(time.Duration(grace) * time.Second))
		m.SetDeletionTimestamp(&deadline)
		m.SetDeletionGracePeriodSeconds(&grace)
	case cur != nil && grace < *cur:
		// Only a shorter grace period may follow (0 included: a kubelet's
		// final delete of a pod that also waits for finalizers); it counts
		// from the first request, as upstream.
		deadline := metav1.NewTime(dt.Add(time.Duration(grace-*cur) * time.Second))
		m.SetDeletionTimestamp(&deadline)
		m.SetDeletionGracePeriodSeconds(&grace)
	}
	return obj, true
}

// gcFinalizers are an object's finalizers after a delete request with
// propagation policy p, as upstream: an explicit policy replaces the
// garbage collector's finalizers (background removes both); without one, a
// GC finalizer already there stays, else the resource's default applies.
func gcFinalizers(fins []string, p metav1.DeletionPropagation, defaultOrphan bool) []string {
	switch p {
	case metav1.DeletePropagationOrphan:
		return addOnce(withoutFin(fins, FinalizerForeground), FinalizerOrphan)
	case metav1.DeletePropagationForeground:
		return addOnce(withoutFin(fins, FinalizerOrphan), FinalizerForeground)
	case metav1.DeletePropagationBackground:
		if slices.Contains(fins, FinalizerOrphan) || slices.Contains(fins, FinalizerForeground) {
			return withoutFin(withoutFin(fins, FinalizerOrphan), FinalizerForeground)
		}
		return fins
	}
	if defaultOrphan && !slices.Contains(fins, FinalizerForeground) {
		return addOnce(fins, FinalizerOrphan)
	}
	return fins
}

// defaultOrphan: a delete without a propagation policy orphans the
// dependents (upstream's default for v1 ReplicationControllers, kept from
// before server-side garbage collection).
func (r *REST) defaultOrphan() bool {
	gr := r.Res.GR()
	return gr.Group == "" && gr.Resource == "replicationcontrollers"
}

func propagation(opts metav1.DeleteOptions) metav1.DeletionPropagation {
	if opts.PropagationPolicy != nil {
		return *opts.PropagationPolicy
	}
	if opts.OrphanDependents != nil {
		if *opts.OrphanDependents {
			return metav1.DeletePropagationOrphan
		}
		return metav1.DeletePropagationBackground
	}
	return ""
}

// gracePeriod is the graceful-termination window: only pods bound to a node
// and still running get one, during which their kubelet stops them.
func (r *REST) gracePeriod(obj runtime.Object, opts metav1.DeleteOptions) int64 {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0
	}
	if opts.GracePeriodSeconds != nil {
		return max(*opts.GracePeriodSeconds, 0)
	}
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// gracefulPending reports whether an object marked for deletion must stay:
// a pod inside its grace period (its kubelet deletes it with grace 0), or a
// namespace whose spec.finalizers (content removal) have not all run.
func (r *REST) gracefulPending(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Pod:
		return o.DeletionGracePeriodSeconds != nil && *o.DeletionGracePeriodSeconds > 0
	case *corev1.Namespace:
		return len(o.Spec.Finalizers) > 0
	}
	return false
}

// markNamespaceTerminating moves a namespace with spec.finalizers to phase
// Terminating; the namespace controller empties it, then finalizes it.
func markNamespaceTerminating(obj runtime.Object) bool {
	ns, ok := obj.(*corev1.Namespace)
	if !ok || len(ns.Spec.Finalizers) == 0 {
		return false
	}
	ns.Status.Phase = corev1.NamespaceTerminating
	return true
}

func addOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func withoutFin(list []string, s string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(x string) bool { return x == s })
}

// DeleteCollection deletes every object the list options select.
func (r *REST) DeleteCollection(ctx context.Context, ns string, lopts storage.ListOptions, opts metav1.DeleteOptions) (runtime.Object, error) {
	list, err := r.List(ctx, ns, lopts)
	if err != nil {
		return nil, err
	}
	items, _ := meta.ExtractList(list)
	var deleted []runtime.Object
	for _, it := range items {
		m, _ := meta.Accessor(it)
		out, _, err := r.Delete(ctx, m.GetNamespace(), m.GetName(), opts)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		deleted = append(deleted, out)
	}
	if err := meta.SetList(list, deleted); err != nil {
		return nil, err
	}
	return list, nil
}
