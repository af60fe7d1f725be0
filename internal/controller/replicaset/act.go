package replicaset

import (
	"context"
	"errors"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"orca/internal/controller/ownership"
	"orca/internal/controller/pods"
)

// Event reasons (upstream's).
const (
	reasonSuccessfulCreate = "SuccessfulCreate"
	reasonSuccessfulDelete = "SuccessfulDelete"
	reasonFailedDeleteEvt  = "FailedDelete"
)

// claim adopts matching orphans and releases owned pods that stopped
// matching, returning the pods rs owns afterwards.
func (r *reconciler) claim(ctx context.Context, rs *appsv1.ReplicaSet, sel labels.Selector, candidates []*v1.Pod) ([]*v1.Pod, error) {
	plan := ownership.Decide(rs, sel, candidates)
	owned := plan.Owned
	var errs []error
	if len(plan.Adopt) > 0 {
		// Adopt only if rs really still exists and is not being deleted:
		// the cache may be behind.
		if err := r.canAdopt(ctx, rs); err != nil {
			errs = append(errs, err)
			plan.Adopt = nil
		}
	}
	for _, p := range plan.Adopt {
		patch := ownership.AdoptPatch(rs, r.gvk(), p.UID)
		_, err := r.c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		switch {
		case err == nil:
			owned = append(owned, p)
		case !apierrors.IsNotFound(err):
			errs = append(errs, err)
		}
	}
	for _, p := range plan.Release {
		patch := ownership.ReleasePatch(rs.UID, p.UID)
		_, err := r.c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		// Gone, or a different pod by now (the UID precondition): nothing to release.
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsInvalid(err) {
			errs = append(errs, err)
		}
	}
	return owned, errors.Join(errs...)
}

func (r *reconciler) canAdopt(ctx context.Context, rs *appsv1.ReplicaSet) error {
	fresh, err := r.fresh(ctx, rs.Namespace, rs.Name)
	if err != nil {
		return err
	}
	if fresh.UID != rs.UID {
		return fmt.Errorf("original %s %s/%s is gone: got uid %s, wanted %s", r.gvk().Kind, rs.Namespace, rs.Name, fresh.UID, rs.UID)
	}
	if fresh.DeletionTimestamp != nil {
		return fmt.Errorf("%s %s/%s has just been deleted at %v", r.gvk().Kind, rs.Namespace, rs.Name, fresh.DeletionTimestamp)
	}
	return nil
}

// createPods creates n pods in slow-start batches, expecting them first
// so that a reconcile running before the cache sees them does not create
// them again.
func (r *reconciler) createPods(ctx context.Context, key string, rs *appsv1.ReplicaSet, n int) error {
	r.exp.ExpectCreations(key, n)
	done, err := slowStart(n, func() error { return r.createPod(ctx, key, rs) })
	if err != nil {
		// The pods never asked for will never be seen either.
		for i := done; i < n; i++ {
			r.exp.CreationObserved(key)
		}
	}
	return err
}

func (r *reconciler) createPod(ctx context.Context, key string, rs *appsv1.ReplicaSet) error {
	pod := pods.FromTemplate(&rs.Spec.Template, rs, r.gvk())
	if len(pod.Labels) == 0 {
		return fmt.Errorf("unable to create pods, no labels")
	}
	got, err := r.c.client.CoreV1().Pods(rs.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause) {
		// Every create will fail until the namespace is gone: not an
		// error worth retrying or reporting.
		r.exp.CreationObserved(key)
		return nil
	}
	if err != nil {
		r.recorder.Eventf(r.ref(rs), v1.EventTypeWarning, reasonFailedCreate, "Error creating: %v", err)
		return err
	}
	r.recorder.Eventf(r.ref(rs), v1.EventTypeNormal, reasonSuccessfulCreate, "Created pod: %v", got.Name)
	return nil
}

// deletePods deletes victims in parallel, expecting their deletions first.
func (r *reconciler) deletePods(ctx context.Context, key string, rs *appsv1.ReplicaSet, victims []*v1.Pod) error {
	uids := make([]types.UID, len(victims))
	for i, p := range victims {
		uids[i] = p.UID
	}
	r.exp.ExpectDeletions(key, uids)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, p := range victims {
		wg.Go(func() {
			err := r.c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
			if err == nil {
				r.recorder.Eventf(r.ref(rs), v1.EventTypeNormal, reasonSuccessfulDelete, "Deleted pod: %v", p.Name)
				return
			}
			// No delete event will come for this one.
			r.exp.DeletionObserved(key, p.UID)
			if apierrors.IsNotFound(err) {
				return
			}
			r.recorder.Eventf(r.ref(rs), v1.EventTypeWarning, reasonFailedDeleteEvt, "Error deleting: %v", err)
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// ref names rs, as the kind it really is, in events.
func (r *reconciler) ref(rs *appsv1.ReplicaSet) *v1.ObjectReference {
	gvk := r.gvk()
	return &v1.ObjectReference{
		Kind: gvk.Kind, APIVersion: gvk.GroupVersion().String(),
		Namespace: rs.Namespace, Name: rs.Name, UID: rs.UID, ResourceVersion: rs.ResourceVersion,
	}
}
