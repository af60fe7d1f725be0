// Package job is the job controller (upstream's batch/v1 Job semantics):
// it runs a job's pods to completion, tracks them with the job-tracking
// finalizer, and sets the job's status and conditions.
//
// The decision (decide, flush) is pure and computed from the job and its
// pods; reconcile.go carries it out.
package job

import (
	"log/slog"
	"strconv"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"orca/internal/controller/deps"
	"orca/internal/controller/expectations"
	"orca/internal/controller/loop"
)

const name = "job-controller"

// orphanPrefix marks queue keys of pods ("pod:<ns>/<name>") whose job is
// gone and whose tracking finalizer must go too.
const orphanPrefix = "pod:"

// Controller is the job controller.
type Controller struct {
	client   kubernetes.Interface
	jobs     batchlisters.JobLister
	pods     corelisters.PodLister
	recorder record.EventRecorder
	clock    clock.Clock
	exp      *expectations.Expectations
	loop     *loop.Loop
	log      *slog.Logger

	mu sync.Mutex
	// unfinalized are pods whose finalizer we removed and whose update
	// the cache has not shown yet: they must not be counted again.
	unfinalized map[types.UID]bool
	// written is the last status we wrote per job: the cache may still
	// hold an older one, and counts must not go back.
	written map[string]*batchv1.Job
	// backoff is each job's back-off record (see backoffRecord).
	backoff map[string]backoffRecord
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	return newController(d.Client, d, clock.RealClock{})
}

func newController(client kubernetes.Interface, d *deps.Deps, clk clock.Clock) (*Controller, error) {
	jobInf := d.Informers.Batch().V1().Jobs()
	podInf := d.Informers.Core().V1().Pods()
	c := &Controller{
		client: client, jobs: jobInf.Lister(), pods: podInf.Lister(),
		recorder: d.Recorder(name), clock: clk,
		exp:         expectations.NewWithClock(clk),
		log:         slog.Default().With("controller", name),
		unfinalized: map[types.UID]bool{},
		written:     map[string]*batchv1.Job{},
		backoff:     map[string]backoffRecord{},
	}
	c.loop = loop.New(name, c, d.Options.Workers, jobInf.Informer().HasSynced, podInf.Informer().HasSynced)
	// Handle: the pod adds count as observed creations, so no reconcile
	// before the initial ones are all in.
	if err := c.loop.Handle(d.Handlers, jobInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.Enqueue,
		UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
		DeleteFunc: c.jobDeleted,
	}); err != nil {
		return nil, err
	}
	if err := c.loop.Handle(d.Handlers, podInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podAdded,
		UpdateFunc: func(_, obj any) { c.podUpdated(obj.(*v1.Pod)) },
		DeleteFunc: c.podDeleted,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func jobKey(ns, name string) string { return ns + "/" + name }

// jobOf is the key of the job controlling p, if any.
func jobOf(p *v1.Pod) (string, *metav1.OwnerReference) {
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil || ref.Kind != "Job" || ref.APIVersion != batchv1.SchemeGroupVersion.String() {
		return "", nil
	}
	return jobKey(p.Namespace, ref.Name), ref
}

func (c *Controller) podAdded(obj any) {
	p := obj.(*v1.Pod)
	if key, _ := jobOf(p); key != "" {
		c.exp.CreationObserved(key)
	}
	c.podUpdated(p)
}

func (c *Controller) podUpdated(p *v1.Pod) {
	if !hasFinalizer(p) {
		c.mu.Lock()
		delete(c.unfinalized, p.UID)
		c.mu.Unlock()
	}
	key, ref := jobOf(p)
	if key == "" {
		if metav1.GetControllerOfNoCopy(p) == nil {
			// An orphan matching a job's selector may be adopted.
			c.enqueueMatching(p)
		}
		return
	}
	if p.DeletionTimestamp != nil {
		c.exp.DeletionObserved(key, p.UID)
	}
	if j, err := c.jobs.Jobs(p.Namespace).Get(ref.Name); err != nil || j.UID != ref.UID {
		if hasFinalizer(p) {
			c.loop.Add(orphanPrefix + p.Namespace + "/" + p.Name)
		}
		return
	}
	c.loop.Add(key)
}

func (c *Controller) podDeleted(obj any) {
	p, ok := loop.Deleted[*v1.Pod](obj)
	if !ok {
		return
	}
	c.mu.Lock()
	delete(c.unfinalized, p.UID)
	c.mu.Unlock()
	if key, _ := jobOf(p); key != "" {
		c.exp.DeletionObserved(key, p.UID)
		c.loop.Add(key)
	}
}

// enqueueMatching queues the jobs whose selector matches an orphan pod.
func (c *Controller) enqueueMatching(p *v1.Pod) {
	if len(p.Labels) == 0 || p.DeletionTimestamp != nil {
		return
	}
	jobs, err := c.jobs.GetPodJobs(p)
	if err != nil {
		return
	}
	for _, j := range jobs {
		c.loop.Add(jobKey(j.Namespace, j.Name))
	}
}

// jobDeleted forgets the job and queues its pods that still hold the
// tracking finalizer, so that they can go.
func (c *Controller) jobDeleted(obj any) {
	j, ok := loop.Deleted[*batchv1.Job](obj)
	if !ok {
		return
	}
	key := jobKey(j.Namespace, j.Name)
	c.exp.Forget(key)
	c.mu.Lock()
	delete(c.written, key)
	delete(c.backoff, key)
	c.mu.Unlock()
	ps, _ := c.pods.Pods(j.Namespace).List(labels.SelectorFromSet(labels.Set{batchv1.ControllerUidLabel: string(j.UID)}))
	for _, p := range ps {
		if hasFinalizer(p) {
			c.loop.Add(orphanPrefix + p.Namespace + "/" + p.Name)
		}
	}
	c.loop.Add(key)
}

func hasFinalizer(p *v1.Pod) bool {
	for _, f := range p.Finalizers {
		if f == batchv1.JobTrackingFinalizer {
			return true
		}
	}
	return false
}

// tracked: the pod has the finalizer and we have not removed it already.
func (c *Controller) tracked(p *v1.Pod) bool {
	if !hasFinalizer(p) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.unfinalized[p.UID]
}

// latest is the newer of the cached job and the one we last wrote:
// resourceVersions are etcd revisions in orca, so they compare.
func (c *Controller) latest(key string, cached *batchv1.Job) *batchv1.Job {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.written[key]
	if !ok || w.UID != cached.UID {
		delete(c.written, key)
		return cached
	}
	a, errA := strconv.ParseUint(cached.ResourceVersion, 10, 64)
	b, errB := strconv.ParseUint(w.ResourceVersion, 10, 64)
	if errA != nil || errB != nil || a >= b {
		delete(c.written, key)
		return cached
	}
	return w
}

func (c *Controller) remember(key string, j *batchv1.Job) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written[key] = j
}
