// Package nodeipam gives every Node a pod CIDR (spec.podCIDR and
// spec.podCIDRs) cut from the cluster CIDR, like upstream's range
// allocator: existing assignments are marked used at start, a node without
// one gets the lowest free block, and a deleted node's block is freed.
// Only single-stack clusters are supported.
package nodeipam

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"orca/internal/informerset"
)

// Options configures the allocator (upstream's --cluster-cidr and
// --node-cidr-mask-size).
type Options struct {
	ClusterCIDR      string // e.g. 10.244.0.0/16
	NodeCIDRMaskSize int    // e.g. 24: 256 nodes in a /16
}

// workers reconcile nodes in parallel; allocation itself is serialized by
// Controller.mu, so this only overlaps the API round trips.
const workers = 4

// Controller is the node IPAM controller.
type Controller struct {
	client      kubernetes.Interface
	lister      corelisters.NodeLister
	synced      cache.InformerSynced
	queue       workqueue.TypedRateLimitingInterface[string]
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder

	mu     sync.Mutex
	set    *cidrSet
	byNode map[string]netip.Prefix // the block each node holds (or is being given)
}

// New wires the controller to a shared informer factory. It fails on an
// invalid cluster CIDR or mask size.
func New(client kubernetes.Interface, f informers.SharedInformerFactory, hs *informerset.Handlers, o Options) (*Controller, error) {
	cluster, err := netip.ParsePrefix(o.ClusterCIDR)
	if err != nil {
		return nil, fmt.Errorf("cluster CIDR: %w", err)
	}
	set, err := newCIDRSet(cluster, o.NodeCIDRMaskSize)
	if err != nil {
		return nil, err
	}
	inf := f.Core().V1().Nodes()
	b := record.NewBroadcaster()
	c := &Controller{
		client: client, lister: inf.Lister(), synced: inf.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "nodeipam"}),
		broadcaster: b,
		recorder:    b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "cidrAllocator"}),
		set:         set,
		byNode:      map[string]netip.Prefix{},
	}
	if _, err := hs.Add(inf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: c.update,
		DeleteFunc: c.enqueue,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// update skips the status heartbeats: only a node without a CIDR, or whose
// CIDRs changed, needs a look.
func (c *Controller) update(old, cur any) {
	o, ok1 := old.(*corev1.Node)
	n, ok2 := cur.(*corev1.Node)
	if ok1 && ok2 && hasCIDR(n) && o.Spec.PodCIDR == n.Spec.PodCIDR && equal(o.Spec.PodCIDRs, n.Spec.PodCIDRs) {
		return
	}
	c.enqueue(cur)
}

// Run allocates until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	defer c.queue.ShutDown()
	c.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.client.CoreV1().Events("")})
	defer c.broadcaster.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	if err := c.occupyExisting(); err != nil {
		slog.Error("nodeipam: list nodes", "err", err)
		return
	}
	go func() {
		<-ctx.Done()
		c.queue.ShutDown()
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c.next(ctx) {
			}
		})
	}
	wg.Wait()
}

func (c *Controller) next(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	requeue, err := c.Reconcile(ctx, key)
	switch {
	case err != nil:
		slog.Warn("nodeipam", "node", key, "err", err)
		c.queue.AddRateLimited(key)
	case requeue > 0:
		c.queue.Forget(key)
		c.queue.AddAfter(key, requeue)
	default:
		c.queue.Forget(key)
	}
	return true
}

func hasCIDR(n *corev1.Node) bool {
	return n.Spec.PodCIDR != "" || len(n.Spec.PodCIDRs) > 0
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// retryExhausted is how often a node waiting for a block looks again; a
// deleted node's block wakes the waiters at once anyway.
const retryExhausted = time.Minute
