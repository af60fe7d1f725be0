// Package nodelifecycle watches nodes' heartbeats and acts on their
// health, as upstream's node lifecycle controller and taint eviction
// controller:
//
//   - every NodeMonitorPeriod, a node whose Lease and Ready heartbeat have
//     not moved for NodeMonitorGracePeriod gets its kubelet conditions set
//     Unknown ("Kubelet stopped posting node status.");
//   - a node's conditions become taints: NoSchedule for each bad condition
//     and spec.unschedulable (TaintNodesByCondition), NoExecute not-ready
//     or unreachable when Ready is False or Unknown; they go when it heals;
//   - pods on a node that is not Ready are marked not Ready;
//   - pods on a node with NoExecute taints they do not tolerate are deleted
//     (DisruptionTarget DeletionByTaintManager first), at once or after the
//     smallest tolerationSeconds of the tolerations they use.
//
// As upstream, new NoExecute taints are paced per zone
// (--node-eviction-rate, slower or stopped in a mostly unhealthy zone),
// and none are kept while no node at all is Ready.
package nodelifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
	"orca/internal/controller/loop"
	"orca/internal/informerset"
)

const (
	name           = "nodelifecycle"
	leaseNamespace = "kube-node-lease"
	// byNode indexes the shared pod informer by spec.nodeName.
	byNode = "nodelifecycle.spec.nodeName"
)

// Controller is the node lifecycle and taint eviction controller.
type Controller struct {
	client  kubernetes.Interface
	nodes   listersv1.NodeLister
	leases  coordlisters.LeaseLister
	pods    listersv1.PodLister
	podsIdx cache.Indexer
	// events: "node-controller" for nodes and not-ready pods,
	// "taint-eviction-controller" for evictions, as upstream's.
	events, evictions record.EventRecorder
	grace, period     time.Duration

	nodeLoop, podLoop *loop.Loop
	synced            []cache.InformerSynced

	mu sync.Mutex
	// health is the last heartbeats seen per node.
	health map[string]*probe
	// limiters pace NoExecute taints per zone; disrupted is set while no
	// node of any zone is Ready (upstream's master disruption mode).
	limiters  map[string]*zoneLimiter
	disrupted bool
	// down is the nodes that were not Ready at the last zone count;
	// granted the nodes allowed a NoExecute taint the informer does not
	// show yet.
	down, granted map[string]bool
	// rate and secondaryRate are the eviction rates (nodes per second).
	rate, secondaryRate float32
	// evictAt is when a pod that tolerates its node's NoExecute taints
	// for a while was first seen needing eviction (upstream's timed work
	// queue starts then).
	evictAt map[string]time.Time

	now func() time.Time
	log *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	d.Options.Defaults()
	nodeInf := d.Informers.Core().V1().Nodes()
	leaseInf := d.Informers.Coordination().V1().Leases()
	podInf := d.Informers.Core().V1().Pods()
	if err := informerset.AddIndexers(podInf.Informer(), cache.Indexers{byNode: indexByNode}); err != nil {
		return nil, fmt.Errorf("pod index: %w", err)
	}
	c := &Controller{
		client: d.Client, nodes: nodeInf.Lister(), leases: leaseInf.Lister(),
		pods: podInf.Lister(), podsIdx: podInf.Informer().GetIndexer(),
		events: d.Recorder("node-controller"), evictions: d.Recorder("taint-eviction-controller"),
		grace: d.Options.NodeMonitorGracePeriod, period: d.Options.NodeMonitorPeriod,
		health: map[string]*probe{}, evictAt: map[string]time.Time{}, limiters: map[string]*zoneLimiter{}, granted: map[string]bool{},
		rate: d.Options.NodeEvictionRate, secondaryRate: d.Options.SecondaryNodeEvictionRate,
		now: time.Now, log: slog.Default().With("controller", name),
	}
	c.synced = []cache.InformerSynced{nodeInf.Informer().HasSynced, leaseInf.Informer().HasSynced, podInf.Informer().HasSynced}
	c.nodeLoop = loop.New(name, loop.Func(c.reconcileNode), d.Options.Workers, c.synced...)
	c.podLoop = loop.New("taint-eviction", loop.Func(c.reconcilePod), d.Options.Workers, c.synced...)
	if _, err := d.Handlers.Add(nodeInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.nodeLoop.Enqueue(obj); c.nodeTaintsChanged(nil, obj) },
		UpdateFunc: func(old, obj any) { c.nodeLoop.Enqueue(obj); c.nodeTaintsChanged(old, obj) },
		DeleteFunc: c.nodeLoop.Enqueue,
	}); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(leaseInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.leaseChanged,
		UpdateFunc: func(_, obj any) { c.leaseChanged(obj) },
	}); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(podInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podChanged,
		UpdateFunc: func(_, obj any) { c.podChanged(obj) },
		DeleteFunc: c.podDeleted,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends; every monitor period it looks at every
// node, so that silence is noticed too.
func (c *Controller) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { c.nodeLoop.Run(ctx) })
	wg.Go(func() { c.podLoop.Run(ctx) })
	wg.Go(func() {
		if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
			return
		}
		// Pods already on tainted nodes at start: the informers' add
		// events may have come in an order that missed them.
		nodes, _ := c.nodes.List(labels.Everything())
		for _, n := range nodes {
			if len(noExecute(n)) > 0 {
				for _, p := range c.podsOn(n.Name) {
					c.podLoop.Enqueue(p)
				}
			}
		}
		wait.UntilWithContext(ctx, func(context.Context) {
			c.updateZones()
			nodes, _ := c.nodes.List(labels.Everything())
			for _, n := range nodes {
				c.nodeLoop.Add(n.Name)
			}
		}, c.period)
	})
	wg.Wait()
}

func indexByNode(obj any) ([]string, error) {
	if p, ok := obj.(*v1.Pod); ok && p.Spec.NodeName != "" {
		return []string{p.Spec.NodeName}, nil
	}
	return nil, nil
}

// podsOn is the pods bound to a node, from the informer.
func (c *Controller) podsOn(node string) []*v1.Pod {
	objs, _ := c.podsIdx.ByIndex(byNode, node)
	out := make([]*v1.Pod, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*v1.Pod))
	}
	return out
}

func (c *Controller) leaseChanged(obj any) {
	if l, ok := obj.(*coordinationv1.Lease); ok && l.Namespace == leaseNamespace {
		c.nodeLoop.Add(l.Name)
	}
}
