// Package ttlafterfinished deletes finished Jobs whose
// ttlSecondsAfterFinished has passed (upstream's TTL-after-finished
// controller), with background propagation so their pods go too.
package ttlafterfinished

import (
	"context"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"orca/internal/controller/deps"
	"orca/internal/controller/loop"
)

const name = "ttl-after-finished-controller"

// Controller is the TTL-after-finished controller.
type Controller struct {
	client kubernetes.Interface
	jobs   batchlisters.JobLister
	clock  clock.Clock
	loop   *loop.Loop
	log    *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	inf := d.Informers.Batch().V1().Jobs()
	c := &Controller{client: d.Client, jobs: inf.Lister(), clock: clock.RealClock{},
		log: slog.Default().With("controller", name)}
	c.loop = loop.New(name, c, d.Options.Workers, inf.Informer().HasSynced)
	enqueue := func(obj any) {
		if j, ok := obj.(*batchv1.Job); ok && j.Spec.TTLSecondsAfterFinished != nil {
			c.loop.Enqueue(j)
		}
	}
	if _, err := d.Handlers.Add(inf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// Reconcile deletes the job once its TTL expired, or asks to run again
// when it will.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	j, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if left, due := Remaining(j, c.clock.Now()); !due {
		return left, nil
	}
	// The cache may be stale (the TTL changed, the job was re-run):
	// decide again on a fresh copy and delete exactly that version.
	fresh, err := c.client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if left, due := Remaining(fresh, c.clock.Now()); !due {
		return left, nil
	}
	bg := metav1.DeletePropagationBackground
	err = c.client.BatchV1().Jobs(ns).Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: &bg,
		Preconditions:     &metav1.Preconditions{UID: &fresh.UID, ResourceVersion: &fresh.ResourceVersion},
	})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	return 0, err
}

// Remaining is how long until a finished job's TTL expires; due is true
// when it has (and the job should be deleted). A job without TTL, not
// finished or already being deleted is never due and needs no requeue.
func Remaining(j *batchv1.Job, now time.Time) (left time.Duration, due bool) {
	if j.Spec.TTLSecondsAfterFinished == nil || j.DeletionTimestamp != nil {
		return 0, false
	}
	finished, ok := finishTime(j)
	if !ok {
		return 0, false
	}
	expire := finished.Add(time.Duration(*j.Spec.TTLSecondsAfterFinished) * time.Second)
	if left := expire.Sub(now); left > 0 {
		return left, false
	}
	return 0, true
}

// finishTime is when the job got its Complete or Failed condition.
func finishTime(j *batchv1.Job) (time.Time, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == v1.ConditionTrue {
			return c.LastTransitionTime.Time, true
		}
	}
	return time.Time{}, false
}
