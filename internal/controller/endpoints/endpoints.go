// Package endpoints is upstream's Endpoints controller: every Service with
// a selector has a v1 Endpoints object of the same name listing its pods'
// ready and not-ready addresses and ports, capped at 1000 addresses. It
// goes with the Service.
package endpoints

import (
	"context"
	"log/slog"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
	"orca/internal/controller/endpointutil"
	"orca/internal/controller/loop"
)

// Name is the controller's name (logs, work queue).
const Name = "endpoints"

// overCapacity is the value of the endpoints.kubernetes.io/over-capacity
// annotation on a truncated Endpoints.
const overCapacity = "truncated"

// staleRetry is how soon a Service whose Endpoints the cache has not
// caught up with is looked at again.
const staleRetry = 50 * time.Millisecond

// Controller keeps the Endpoints of Services with selectors.
type Controller struct {
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	triggers  *endpointutil.TriggerTimeTracker
	stale     staleTracker
	recorder  record.EventRecorder
	loop      *loop.Loop
	log       *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	svcInf := d.Informers.Core().V1().Services()
	podInf := d.Informers.Core().V1().Pods()
	epInf := d.Informers.Core().V1().Endpoints()
	c := &Controller{
		client:    d.Client,
		services:  svcInf.Lister(),
		pods:      podInf.Lister(),
		endpoints: epInf.Lister(),
		triggers:  endpointutil.NewTriggerTimeTracker(),
		stale:     staleTracker{rv: map[string]string{}},
		recorder:  d.Recorder("endpoint-controller"),
		log:       slog.Default().With("controller", Name),
	}
	c.loop = loop.New(Name, c, d.Options.Workers, svcInf.Informer().HasSynced, podInf.Informer().HasSynced, epInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(svcInf.Informer(), c.loop.Handler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(podInf.Informer(), endpointutil.PodHandler(c.services, c.loop.Add)); err != nil {
		return nil, err
	}
	// A deleted Endpoints of a Service that still exists comes back.
	if _, err := d.Handlers.Add(epInf.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: c.loop.Enqueue}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// Reconcile brings the Endpoints of one Service (key ns/name) up to date.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		// The Endpoints go with their Service (as upstream: also ones
		// written by hand for a selectorless Service).
		c.triggers.Forget(key)
		c.stale.forget(key)
		err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return 0, err
		}
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !endpointutil.HasSelector(svc) {
		return 0, nil
	}
	ps, err := c.pods.Pods(ns).List(labels.SelectorFromValidatedSet(svc.Spec.Selector))
	if err != nil {
		return 0, err
	}
	cur, err := c.endpoints.Endpoints(ns).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	if apierrors.IsNotFound(err) {
		cur = nil
	}
	if c.stale.isStale(key, cur) {
		return staleRetry, nil
	}
	triggered := c.triggers.Compute(key, svc, ps)
	want := Desired(svc, ps)
	if cur != nil && Current(cur, want) {
		return 0, nil
	}
	return c.write(ctx, key, svc, cur, want, triggered)
}

// Desired is the Endpoints a Service should have (without the trigger
// time annotation): truncated subsets, the Service's labels plus the
// headless label, and the over-capacity annotation when truncated.
func Desired(svc *v1.Service, ps []*v1.Pod) *v1.Endpoints {
	ep := &v1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: map[string]string{}, Annotations: map[string]string{}}}
	ep.Subsets = Subsets(svc, ps)
	if Truncate(ep.Subsets) {
		ep.Annotations[v1.EndpointsOverCapacity] = overCapacity
	}
	for k, v := range svc.Labels {
		ep.Labels[k] = v
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == v1.ClusterIPNone {
		ep.Labels[v1.IsHeadlessService] = ""
	} else {
		delete(ep.Labels, v1.IsHeadlessService)
	}
	return ep
}

// Current reports whether cur already has want's addresses, labels and
// over-capacity annotation (the trigger time alone is no reason to write).
func Current(cur, want *v1.Endpoints) bool {
	return equality.Semantic.DeepEqual(cur.Subsets, want.Subsets) &&
		equality.Semantic.DeepEqual(cur.Labels, want.Labels) &&
		cur.Annotations[v1.EndpointsOverCapacity] == want.Annotations[v1.EndpointsOverCapacity]
}

// write creates or updates the Endpoints, keeping annotations others set.
// It asks for a retry when the cache turns out to be behind.
func (c *Controller) write(ctx context.Context, key string, svc *v1.Service, cur, want *v1.Endpoints, triggered time.Time) (time.Duration, error) {
	obj := want
	if cur != nil {
		obj = cur.DeepCopy()
		obj.Subsets, obj.Labels = want.Subsets, want.Labels
		if obj.Annotations == nil {
			obj.Annotations = map[string]string{}
		}
		delete(obj.Annotations, v1.EndpointsOverCapacity)
		if v, ok := want.Annotations[v1.EndpointsOverCapacity]; ok {
			obj.Annotations[v1.EndpointsOverCapacity] = v
		}
	}
	if triggered.IsZero() {
		delete(obj.Annotations, v1.EndpointsLastChangeTriggerTime)
	} else {
		obj.Annotations[v1.EndpointsLastChangeTriggerTime] = triggered.UTC().Format(time.RFC3339Nano)
	}
	api := c.client.CoreV1().Endpoints(svc.Namespace)
	var err error
	if cur == nil {
		_, err = api.Create(ctx, obj, metav1.CreateOptions{})
		if apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause) {
			return 0, nil
		}
		if apierrors.IsAlreadyExists(err) {
			return staleRetry, nil // created by an earlier sync the cache has not shown yet
		}
		if err != nil {
			c.recorder.Eventf(svc, v1.EventTypeWarning, "FailedToCreateEndpoint", "Failed to create endpoint for service %s/%s: %v", svc.Namespace, svc.Name, err)
			return 0, err
		}
	} else {
		_, err = api.Update(ctx, obj, metav1.UpdateOptions{})
		if err != nil {
			c.recorder.Eventf(svc, v1.EventTypeWarning, "FailedToUpdateEndpoint", "Failed to update endpoint %s/%s: %v", svc.Namespace, svc.Name, err)
			return 0, err
		}
	}
	if cur != nil {
		c.stale.written(key, cur)
	}
	return 0, nil
}

// staleTracker remembers the version of the Endpoints each update
// replaced: while the cache still shows it, the cache is behind (upstream's
// staleEndpointsTracker). A create the cache has not seen yet fails with
// AlreadyExists and is retried.
type staleTracker struct {
	mu sync.Mutex
	rv map[string]string
}

func (t *staleTracker) written(key string, replaced *v1.Endpoints) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rv[key] = replaced.ResourceVersion
}

func (t *staleTracker) isStale(key string, cached *v1.Endpoints) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	rv, ok := t.rv[key]
	if !ok || cached == nil {
		return false
	}
	if cached.ResourceVersion == rv {
		return true
	}
	delete(t.rv, key) // caught up
	return false
}

func (t *staleTracker) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.rv, key)
}
