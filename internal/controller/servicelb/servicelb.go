// Package servicelb gives LoadBalancer Services an address on bare metal,
// in the spirit of k3s's ServiceLB but without pods: the status lists the
// addresses of the Ready, schedulable nodes (the Service proxy on every
// node answers on them at the Service's port). Services that name a
// loadBalancerClass belong to another implementation and are left alone.
package servicelb

import (
	"context"
	"log/slog"
	"slices"
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
	"orca/internal/controller/loop"
)

// Name is the controller's name (logs, work queue).
const Name = "servicelb"

// Controller keeps the load balancer status of LoadBalancer Services.
type Controller struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	nodes    corelisters.NodeLister
	recorder record.EventRecorder
	loop     *loop.Loop
	log      *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	svcInf := d.Informers.Core().V1().Services()
	nodeInf := d.Informers.Core().V1().Nodes()
	c := &Controller{
		client:   d.Client,
		services: svcInf.Lister(),
		nodes:    nodeInf.Lister(),
		recorder: d.Recorder("service-lb-controller"),
		log:      slog.Default().With("controller", Name),
	}
	c.loop = loop.New(Name, c, 1, svcInf.Informer().HasSynced, nodeInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(svcInf.Informer(), c.loop.Handler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(nodeInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { c.queueAll() },
		UpdateFunc: func(oldObj, curObj any) {
			// Heartbeats change nodes every few seconds; only what load
			// balancers show matters.
			if !slices.Equal(NodeAddresses(oldObj.(*v1.Node)), NodeAddresses(curObj.(*v1.Node))) {
				c.queueAll()
			}
		},
		DeleteFunc: func(any) { c.queueAll() },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// queueAll queues every Service that is or was a managed load balancer.
func (c *Controller) queueAll() {
	all, err := c.services.List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range all {
		if Managed(s) {
			c.loop.Add(s.Namespace + "/" + s.Name)
		}
	}
}

// Reconcile sets (or clears) the load balancer status of one Service.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if svc.Spec.LoadBalancerClass != nil {
		return 0, nil // another implementation's
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	want := Ingress(svc, nodes)
	if equality.Semantic.DeepEqual(svc.Status.LoadBalancer.Ingress, want) {
		return 0, nil
	}
	if !Managed(svc) && len(svc.Status.LoadBalancer.Ingress) == 0 {
		return 0, nil
	}
	upd := svc.DeepCopy()
	upd.Status.LoadBalancer.Ingress = want
	if _, err := c.client.CoreV1().Services(ns).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
		return 0, err
	}
	switch {
	case !Managed(svc):
		c.recorder.Event(svc, v1.EventTypeNormal, "DeletedLoadBalancer", "Deleted load balancer")
	case len(want) == 0:
		c.recorder.Event(svc, v1.EventTypeWarning, "UnAvailableLoadBalancer", "There are no available nodes for LoadBalancer")
	default:
		c.recorder.Eventf(svc, v1.EventTypeNormal, "EnsuredLoadBalancer", "Ensured load balancer on %d node addresses", len(want))
	}
	return 0, nil
}
