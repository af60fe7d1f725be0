// Package ingressstatus fills status.loadBalancer of the Ingresses the
// built-in ingress serves (IngressClass controller orca.dev/ingress) with
// the addresses of the Ready nodes, since every agent serves the ingress
// on its node: each node's ExternalIP, else its InternalIP, sorted, as
// k3s's ServiceLB publishes Services.
package ingressstatus

import (
	"context"
	"log/slog"
	"net"
	"sort"
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
	if _, err := ingInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.Enqueue,
		UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
	}); err != nil {
		return nil, err
	}
	all := func(any) { c.enqueueAll() }
	if _, err := clsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: all, UpdateFunc: func(_, obj any) { c.enqueueAll() }, DeleteFunc: all,
	}); err != nil {
		return nil, err
	}
	if _, err := nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: all, DeleteFunc: all,
		UpdateFunc: func(old, obj any) {
			if address(old.(*v1.Node)) != address(obj.(*v1.Node)) {
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
// address of every Ready node, without duplicates, sorted (IPs in numeric
// order); nil with no Ready node.
func LoadBalancer(nodes []*v1.Node) []networkingv1.IngressLoadBalancerIngress {
	seen := map[string]bool{}
	var ips []string
	for _, n := range nodes {
		if a := address(n); a != "" && !seen[a] {
			seen[a] = true
			ips = append(ips, a)
		}
	}
	sort.Slice(ips, func(i, j int) bool { return lessIP(ips[i], ips[j]) })
	var out []networkingv1.IngressLoadBalancerIngress
	for _, ip := range ips {
		out = append(out, networkingv1.IngressLoadBalancerIngress{IP: ip})
	}
	return out
}

// address is a Ready node's ExternalIP, else its InternalIP; "" for a
// node that is not Ready or has neither.
func address(n *v1.Node) string {
	if !ready(n) {
		return ""
	}
	for _, t := range []v1.NodeAddressType{v1.NodeExternalIP, v1.NodeInternalIP} {
		for _, a := range n.Status.Addresses {
			if a.Type == t && a.Address != "" {
				return a.Address
			}
		}
	}
	return ""
}

func ready(n *v1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == v1.NodeReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

// lessIP orders IPv4 before IPv6 and numerically within a family;
// strings that are not IPs go last, by text.
func lessIP(a, b string) bool {
	ia, ib := net.ParseIP(a), net.ParseIP(b)
	if ia == nil || ib == nil {
		if (ia == nil) != (ib == nil) {
			return ia != nil
		}
		return a < b
	}
	a4, b4 := ia.To4(), ib.To4()
	if (a4 == nil) != (b4 == nil) {
		return a4 != nil
	}
	if a4 != nil {
		return string(a4) < string(b4)
	}
	return string(ia.To16()) < string(ib.To16())
}
