// Package ingressstatus fills status.loadBalancer of the Ingresses the
// built-in ingress serves (IngressClass controller orca.dev/ingress) with
// the addresses of the Ready nodes, since every agent serves the ingress
// on its node: each node's ExternalIP, else its InternalIP, sorted, as
// k3s's ServiceLB publishes Services.
package ingressstatus

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"

	"time"

	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/deps"
	"orca/internal/controller/loop"
	"orca/internal/controller/servicelb"
	"orca/internal/ingress"
)

// Name is the controller's name (logs, work queue).
const Name = "ingress-status"

// Controller keeps the status of our Ingresses.
type Controller struct {
	client    kubernetes.Interface
	ingresses networkinglisters.IngressLister
	classes   networkinglisters.IngressClassLister
	nodes     corelisters.NodeLister
	loop      *loop.Loop
	log       *slog.Logger
}

// New wires the controller to the manager's informers: an Ingress that
// appears or changes is queued; a class change, or a node joining,
// leaving or changing readiness or address, queues every Ingress.
func New(d *deps.Deps) (*Controller, error) {
	ingInf := d.Informers.Networking().V1().Ingresses()
	clsInf := d.Informers.Networking().V1().IngressClasses()
	nodeInf := d.Informers.Core().V1().Nodes()
	c := &Controller{
		client: d.Client, ingresses: ingInf.Lister(), classes: clsInf.Lister(), nodes: nodeInf.Lister(),
		log: slog.Default().With("controller", Name),
	}
	c.loop = loop.New(Name, c, 2, ingInf.Informer().HasSynced, clsInf.Informer().HasSynced, nodeInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(ingInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.Enqueue,
		UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
	}); err != nil {
		return nil, err
	}
	all := func(any) { c.enqueueAll() }
	if _, err := d.Handlers.Add(clsInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: all, UpdateFunc: func(_, obj any) { c.enqueueAll() }, DeleteFunc: all,
	}); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(nodeInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: all, DeleteFunc: all,
		UpdateFunc: func(old, obj any) {
			if !slices.Equal(servicelb.NodeAddresses(old.(*v1.Node)), servicelb.NodeAddresses(obj.(*v1.Node))) {
				c.enqueueAll()
			}
		},
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

func (c *Controller) enqueueAll() {
	ings, err := c.ingresses.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ing := range ings {
		c.loop.Enqueue(ing)
	}
}

// Reconcile sets one Ingress's load balancer addresses (key ns/name).
// Ingresses of other controllers are left alone.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	ing, err := c.ingresses.Ingresses(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	classes, err := c.classes.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	if !ingress.OurClasses(classes).Serves(ing) {
		return 0, nil
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	want := LoadBalancer(nodes)
	if equality.Semantic.DeepEqual(ing.Status.LoadBalancer.Ingress, want) {
		return 0, nil
	}
	ing = ing.DeepCopy()
	ing.Status.LoadBalancer.Ingress = want
	_, err = c.client.NetworkingV1().Ingresses(ns).UpdateStatus(ctx, ing, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	return 0, err
}

// LoadBalancer is the status.loadBalancer.ingress of our Ingresses: the
// addresses ServiceLB gives LoadBalancer Services (every Ready,
// schedulable node's ExternalIPs, else InternalIPs), without duplicates,
// IPv4 first and in numeric order; nil with no such node.
func LoadBalancer(nodes []*v1.Node) []networkingv1.IngressLoadBalancerIngress {
	seen := map[netip.Addr]bool{}
	var ips []netip.Addr
	for _, n := range nodes {
		for _, a := range servicelb.NodeAddresses(n) {
			if ip, err := netip.ParseAddr(a); err == nil && !seen[ip] {
				seen[ip] = true
				ips = append(ips, ip)
			}
		}
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	var out []networkingv1.IngressLoadBalancerIngress
	for _, ip := range ips {
		out = append(out, networkingv1.IngressLoadBalancerIngress{IP: ip.String()})
	}
	return out
}
