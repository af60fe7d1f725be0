package job

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/ownership"
)

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// Reconcile brings one job (or one orphan pod) to its desired state.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	if podKey, ok := strings.CutPrefix(key, orphanPrefix); ok {
		return 0, c.releaseOrphan(ctx, podKey)
	}
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.exp.Forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if m := cached.Spec.ManagedBy; m != nil && *m != batchv1.JobControllerName {
		return 0, nil // another controller's job (upstream's managedBy)
	}
	job := c.latest(key, cached).DeepCopy()
	ps, err := c.claimPods(ctx, job)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	var rec *backoffRecord
	if r, ok := c.backoff[key]; ok {
		rec = &r
	}
	c.mu.Unlock()
	p := decide(input{job: job, pods: ps, tracked: c.tracked, now: c.clock.Now(), canManage: c.exp.Satisfied(key), backoff: rec})
	if !equality.Semantic.DeepEqual(job.Status, p.status) {
		if job, err = c.updateStatus(ctx, key, job, p.status); err != nil {
			return 0, err
		}
	}
	// Only now: had the write failed, the same pods would count again.
	c.mu.Lock()
	c.backoff[key] = p.backoff
	c.mu.Unlock()
	errs := []error{c.removeFinalizers(ctx, p.removeFinalizer)}
	errs = append(errs, c.deletePods(ctx, key, job, p.del))
	errs = append(errs, c.createPods(ctx, key, job, p.create, p.counts))
	still := map[types.UID]bool{}
	for _, pod := range ps {
		if c.tracked(pod) {
			still[pod.UID] = true
		}
	}
	st, events := flush(job.Status, still, p.final)
	if !equality.Semantic.DeepEqual(job.Status, st) {
		if job, err = c.updateStatus(ctx, key, job, st); err != nil {
			return 0, err
		}
	}
	for _, e := range append(p.events, events...) {
		c.recorder.Event(job, e.typ, e.reason, e.msg)
	}
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return p.requeue, nil
}

func (c *Controller) updateStatus(ctx context.Context, key string, job *batchv1.Job, st batchv1.JobStatus) (*batchv1.Job, error) {
	job = job.DeepCopy()
	job.Status = st
	out, err := c.client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	c.remember(key, out)
	return out, nil
}

// claimPods lists the job's pods, adopting orphans its selector matches.
func (c *Controller) claimPods(ctx context.Context, job *batchv1.Job) ([]*v1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return nil, nil // an invalid selector matches nothing
	}
	all, err := c.pods.Pods(job.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	plan := ownership.Decide(job, sel, all)
	owned := plan.Owned
	if isFinished(job) {
		return owned, nil
	}
	for _, p := range plan.Adopt {
		out, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType,
			ownership.AdoptPatch(job, jobKind, p.UID), metav1.PatchOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		owned = append(owned, out)
	}
	return owned, nil
}

var removeFinalizerPatch = []byte(`{"metadata":{"$deleteFromPrimitiveList/finalizers":["` + batchv1.JobTrackingFinalizer + `"]}}`)

// removeFinalizers removes the tracking finalizer from the pods, in
// parallel; a pod already gone counts as done.
func (c *Controller) removeFinalizers(ctx context.Context, ps []*v1.Pod) error {
	return parallel(ps, func(p *v1.Pod) error { return c.removeFinalizer(ctx, p) })
}

func (c *Controller) removeFinalizer(ctx context.Context, p *v1.Pod) error {
	if !c.tracked(p) {
		return nil
	}
	_, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, removeFinalizerPatch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer of pod %s: %w", p.Name, err)
	}
	c.mu.Lock()
	c.unfinalized[p.UID] = true
	c.mu.Unlock()
	return nil
}

// deletePods deletes active pods the job no longer wants; their
// finalizer goes first, so they are not counted as failures.
func (c *Controller) deletePods(ctx context.Context, key string, job *batchv1.Job, ps []*v1.Pod) error {
	if len(ps) == 0 {
		return nil
	}
	uids := make([]types.UID, len(ps))
	for i, p := range ps {
		uids[i] = p.UID
	}
	c.exp.ExpectDeletions(key, uids)
	return parallel(ps, func(p *v1.Pod) error {
		err := c.removeFinalizer(ctx, p)
		if err == nil {
			err = c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
		}
		if err != nil && !apierrors.IsNotFound(err) {
			c.exp.DeletionObserved(key, p.UID)
			c.recorder.Eventf(job, v1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			return err
		}
		if err == nil {
			c.recorder.Eventf(job, v1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
		}
		return nil
	})
}

// createPods creates pods in slow-start batches (1, 2, 4, ...), each
// batch in parallel, stopping at the first batch with an error, as
// upstream.
func (c *Controller) createPods(ctx context.Context, key string, job *batchv1.Job, indexes []int, counts map[int]indexCounts) error {
	if len(indexes) == 0 {
		return nil
	}
	c.exp.ExpectCreations(key, len(indexes))
	for batch, done := 1, 0; done < len(indexes); batch *= 2 {
		n := min(batch, len(indexes)-done)
		err := parallel(indexes[done:done+n], func(ix int) error { return c.createPod(ctx, key, job, ix, counts[ix]) })
		done += n
		if err != nil {
			for i := done; i < len(indexes); i++ {
				c.exp.CreationObserved(key) // never coming
			}
			return err
		}
	}
	return nil
}

func (c *Controller) createPod(ctx context.Context, key string, job *batchv1.Job, ix int, counts indexCounts) error {
	out, err := c.client.CoreV1().Pods(job.Namespace).Create(ctx, newPod(job, ix, counts), metav1.CreateOptions{})
	if err != nil {
		c.exp.CreationObserved(key)
		c.recorder.Eventf(job, v1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	c.recorder.Eventf(job, v1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", out.Name)
	return nil
}

// releaseOrphan removes the tracking finalizer of a pod whose job is
// gone (deleted, or replaced by another of the same name).
func (c *Controller) releaseOrphan(ctx context.Context, podKey string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(podKey)
	if err != nil {
		return nil
	}
	p, err := c.pods.Pods(ns).Get(name)
	if err != nil || !hasFinalizer(p) {
		return nil
	}
	if _, ref := jobOf(p); ref != nil {
		if j, err := c.jobs.Jobs(ns).Get(ref.Name); err == nil && j.UID == ref.UID {
			return nil // its job handles it
		}
	}
	return c.removeFinalizer(ctx, p)
}

// parallel runs f on every item at once and joins the errors.
func parallel[T any](items []T, f func(T) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(items))
	for i, it := range items {
		wg.Go(func() { errs[i] = f(it) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
