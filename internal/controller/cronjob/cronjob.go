// Package cronjob is the cronjob controller: it creates a Job for each
// schedule time of a CronJob (standard cron syntax and macros, in
// spec.timeZone), honouring concurrencyPolicy, startingDeadlineSeconds,
// suspend and the history limits, as upstream's CronJobControllerV2.
// It wakes exactly at the next schedule time rather than polling.
package cronjob

import (
	"context"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"orca/internal/controller/deps"
	"orca/internal/controller/loop"
)

const name = "cronjob-controller"

// Controller is the cronjob controller.
type Controller struct {
	client   kubernetes.Interface
	cronJobs batchlisters.CronJobLister
	jobs     batchlisters.JobLister
	recorder record.EventRecorder
	clock    clock.Clock
	loop     *loop.Loop
	log      *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	return newController(d, clock.RealClock{})
}

func newController(d *deps.Deps, clk clock.Clock) (*Controller, error) {
	cjInf := d.Informers.Batch().V1().CronJobs()
	jobInf := d.Informers.Batch().V1().Jobs()
	c := &Controller{
		client: d.Client, cronJobs: cjInf.Lister(), jobs: jobInf.Lister(),
		recorder: d.Recorder(name), clock: clk,
		log: slog.Default().With("controller", name),
	}
	c.loop = loop.New(name, c, d.Options.Workers, cjInf.Informer().HasSynced, jobInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(cjInf.Informer(), c.loop.Handler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(jobInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.jobChanged,
		UpdateFunc: func(_, obj any) { c.jobChanged(obj) },
		DeleteFunc: c.jobChanged,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// jobChanged queues the CronJob controlling a job.
func (c *Controller) jobChanged(obj any) {
	j, ok := loop.Deleted[*batchv1.Job](obj)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOfNoCopy(j); ref != nil && ref.Kind == "CronJob" {
		c.loop.Add(j.Namespace + "/" + ref.Name)
	}
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// Reconcile syncs one CronJob and asks to run again at its next schedule
// time.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cj, err := c.cronJobs.CronJobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	jobs, err := c.ownedJobs(ctx, cj)
	if err != nil {
		return 0, err
	}
	p := decide(input{cj: cj, jobs: jobs, now: c.clock.Now()})
	for _, j := range p.replace {
		if err := c.deleteJob(ctx, cj, j); err != nil {
			return 0, err
		}
	}
	st := p.status
	if p.create != nil {
		created, err := c.client.BatchV1().Jobs(ns).Create(ctx, p.create, metav1.CreateOptions{})
		if err != nil {
			c.recorder.Eventf(cj, "Warning", "FailedCreate", "Error creating job: %v", err)
			return 0, err
		}
		c.recorder.Eventf(cj, "Normal", "SuccessfulCreate", "Created job %v", created.Name)
		st.Active = append(st.Active, jobRef(created))
		st.LastScheduleTime = &metav1.Time{Time: p.scheduled}
	}
	if !equality.Semantic.DeepEqual(cj.Status, st) {
		cp := cj.DeepCopy()
		cp.Status = st
		if _, err := c.client.BatchV1().CronJobs(ns).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil {
			return 0, err
		}
	}
	// Events only now: a decision made on a stale cache fails the status
	// write (conflict) and must not be announced.
	for _, e := range p.events {
		c.recorder.Event(cj, e.typ, e.reason, e.msg)
	}
	for _, j := range p.oldHistory {
		if err := c.deleteJob(ctx, cj, j); err != nil {
			return 0, err
		}
	}
	return p.requeue, nil
}

// ownedJobs are the jobs cj controls. A job in status.active but not in
// the cache is looked up live: the cache may not show a just-created job
// yet, and dropping it from active would be wrong.
func (c *Controller) ownedJobs(ctx context.Context, cj *batchv1.CronJob) ([]*batchv1.Job, error) {
	all, err := c.jobs.Jobs(cj.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var out []*batchv1.Job
	seen := map[string]bool{}
	for _, j := range all {
		if ref := metav1.GetControllerOfNoCopy(j); ref != nil && ref.UID == cj.UID {
			out = append(out, j)
			seen[j.Name] = true
		}
	}
	for _, r := range cj.Status.Active {
		if seen[r.Name] {
			continue
		}
		j, err := c.client.BatchV1().Jobs(cj.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if ref := metav1.GetControllerOfNoCopy(j); ref != nil && ref.UID == cj.UID {
			out = append(out, j)
		}
	}
	return out, nil
}

// deleteJob deletes a job and, by background propagation, its pods.
func (c *Controller) deleteJob(ctx context.Context, cj *batchv1.CronJob, j *batchv1.Job) error {
	bg := metav1.DeletePropagationBackground
	err := c.client.BatchV1().Jobs(j.Namespace).Delete(ctx, j.Name, metav1.DeleteOptions{
		PropagationPolicy: &bg, Preconditions: &metav1.Preconditions{UID: &j.UID}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.recorder.Eventf(cj, "Warning", "FailedDelete", "Deleted job: %v", err)
		return err
	}
	c.recorder.Eventf(cj, "Normal", "SuccessfulDelete", "Deleted job %v", j.Name)
	return nil
}
