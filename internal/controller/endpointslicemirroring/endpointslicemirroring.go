// Package endpointslicemirroring is upstream's EndpointSlice mirroring
// controller: Endpoints written by hand for Services without a selector
// are mirrored to EndpointSlices (managed-by
// endpointslicemirroring-controller.k8s.io, owned by the Endpoints), so
// that consumers of slices (the proxy, DNS) see them too.
package endpointslicemirroring

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
	"orca/internal/controller/endpointslice"
	"orca/internal/controller/loop"
)

// Name is the controller's name (logs, work queue).
const Name = "endpointslicemirroring"

// ControllerName is the managed-by label value of the slices it writes.
const ControllerName = "endpointslicemirroring-controller.k8s.io"

const staleRetry = 50 * time.Millisecond

// Controller mirrors Endpoints to EndpointSlices.
type Controller struct {
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	endpoints corelisters.EndpointsLister
	slices    discoverylisters.EndpointSliceLister
	tracker   *endpointslice.Tracker
	recorder  record.EventRecorder
	loop      *loop.Loop
	log       *slog.Logger
}

// New wires the controller to the manager's shared informers. Keys are
// the Endpoints' (and their Service's) namespace/name.
func New(d *deps.Deps) (*Controller, error) {
	svcInf := d.Informers.Core().V1().Services()
	epInf := d.Informers.Core().V1().Endpoints()
	sliceInf := d.Informers.Discovery().V1().EndpointSlices()
	c := &Controller{
		client:    d.Client,
		services:  svcInf.Lister(),
		endpoints: epInf.Lister(),
		slices:    sliceInf.Lister(),
		tracker:   endpointslice.NewTracker(),
		recorder:  d.Recorder("endpointslice-mirroring-controller"),
		log:       slog.Default().With("controller", Name),
	}
	c.loop = loop.New(Name, c, d.Options.Workers, svcInf.Informer().HasSynced, epInf.Informer().HasSynced, sliceInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(epInf.Informer(), c.loop.Handler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(svcInf.Informer(), c.serviceHandler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(sliceInf.Informer(), endpointslice.SliceHandler(ControllerName, c.tracker, c.loop.Add)); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// serviceHandler queues a Service that appears, goes, or gains or loses
// its selector: that decides whether its Endpoints are mirrored.
func (c *Controller) serviceHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: c.loop.Enqueue,
		UpdateFunc: func(oldObj, curObj any) {
			old, cur := oldObj.(*v1.Service), curObj.(*v1.Service)
			if (len(old.Spec.Selector) == 0) != (len(cur.Spec.Selector) == 0) {
				c.loop.Enqueue(cur)
			}
		},
		DeleteFunc: c.loop.Enqueue,
	}
}

// Reconcile mirrors one Endpoints, or removes its mirrored slices when it
// should not be (gone, skip-mirror, no Service, a Service with a selector).
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	existing, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromValidatedSet(labels.Set{
		discovery.LabelServiceName: name, discovery.LabelManagedBy: ControllerName,
	}))
	if err != nil {
		return 0, err
	}
	ep, mirror, err := c.mirrored(ns, name)
	if err != nil {
		return 0, err
	}
	if !mirror {
		return 0, c.deleteAll(ctx, key, existing)
	}
	if c.tracker.Stale(key, existing) {
		return staleRetry, nil
	}
	groups, skipped := Desired(ep)
	plan := endpointslice.Decide(TargetFor(ep, groups), existing)
	if err := endpointslice.Apply(ctx, c.client, c.tracker, key, ns, plan); err != nil {
		c.recorder.Eventf(ep, v1.EventTypeWarning, "FailedToUpdateEndpointSlices", "Error updating EndpointSlices for Endpoints %s/%s: %v", ns, name, err)
		return 0, err
	}
	if skipped > 0 && !plan.Empty() {
		c.recorder.Eventf(ep, v1.EventTypeWarning, "AddressesSkipped", "Skipped %d addresses when mirroring to EndpointSlices (invalid, or over %d per subset)", skipped, MaxEndpointsPerSubset)
	}
	return 0, nil
}

// mirrored is the Endpoints of key if it is to be mirrored.
func (c *Controller) mirrored(ns, name string) (*v1.Endpoints, bool, error) {
	ep, err := c.endpoints.Endpoints(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if !ShouldMirror(ep) {
		return nil, false, nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return ep, len(svc.Spec.Selector) == 0, nil
}

// deleteAll removes every mirrored slice of key.
func (c *Controller) deleteAll(ctx context.Context, key string, slices []*discovery.EndpointSlice) error {
	if len(slices) == 0 {
		c.tracker.Forget(key)
		return nil
	}
	if err := endpointslice.Apply(ctx, c.client, c.tracker, key, slices[0].Namespace, endpointslice.Plan{Delete: slices}); err != nil {
		return fmt.Errorf("deleting mirrored slices of %s: %w", key, err)
	}
	return nil
}
