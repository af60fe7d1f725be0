// Package podgc is the pod garbage collector, as upstream's: it deletes
// terminated pods beyond --terminated-pod-gc-threshold (evicted, then
// oldest first), pods bound to nodes that no longer exist, terminating
// pods on out-of-service nodes and terminating pods that were never
// scheduled. It runs a pass periodically over the informers' pods and
// nodes; all its deletions are forced (grace period 0): no kubelet is
// left to finish them.
package podgc

import (
	"context"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"orca/internal/controller/deps"
	"orca/internal/controller/pods"
)

const name = "podgc"

// deleteWorkers bounds the parallel deletions of one pass.
const deleteWorkers = 16

// Controller is the pod garbage collector.
type Controller struct {
	client    kubernetes.Interface
	podLister listersv1.PodLister
	nodes     listersv1.NodeLister
	synced    []cache.InformerSynced
	threshold int
	// period is how often a pass runs (upstream's 20 s); wait is how long
	// a pod's node must be missing before it is checked with a live GET
	// (upstream's 40 s quarantine). Both follow the node monitor grace
	// period (40 s by default) so that tests with a short one stay short.
	period, wait time.Duration
	missing      quarantine // only the pass goroutine touches it
	now          func() time.Time
	log          *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	d.Options.Defaults()
	podInf := d.Informers.Core().V1().Pods()
	nodeInf := d.Informers.Core().V1().Nodes()
	grace := d.Options.NodeMonitorGracePeriod
	return &Controller{
		client: d.Client, podLister: podInf.Lister(), nodes: nodeInf.Lister(),
		synced:    []cache.InformerSynced{podInf.Informer().HasSynced, nodeInf.Informer().HasSynced},
		threshold: d.Options.TerminatedPodGCThreshold,
		period:    grace / 2, wait: grace,
		missing: quarantine{}, now: time.Now,
		log: slog.Default().With("controller", name),
	}, nil
}

// Run collects until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	wait.UntilWithContext(ctx, c.gc, c.period)
}

// gc is one pass.
func (c *Controller) gc(ctx context.Context) {
	all, err := c.podLister.List(labels.Everything())
	if err != nil {
		c.log.Warn("list pods", "err", err)
		return
	}
	nodeList, err := c.nodes.List(labels.Everything())
	if err != nil {
		c.log.Warn("list nodes", "err", err)
		return
	}
	nodes := make(map[string]*v1.Node, len(nodeList))
	for _, n := range nodeList {
		nodes[n.Name] = n
	}
	c.deleteAll(ctx, overThreshold(all, c.threshold), nil)
	c.deleteAll(ctx, outOfService(all, nodes), nil)
	gone := c.goneNodes(ctx, c.missing.due(all, nodes, c.now(), c.wait))
	c.deleteAll(ctx, onNodes(all, gone), nodeGone)
	c.deleteAll(ctx, unscheduledTerminating(all), nil)
}

// disruption is the DisruptionTarget condition set before a deletion.
type disruption struct{ reason, message string }

// nodeGone is upstream's condition for a pod whose node no longer exists.
var nodeGone = &disruption{pods.DeletionByPodGC, "PodGC: node no longer exists"}

// goneNodes asks the server whether the nodes the informer misses still
// exist: only a NotFound counts.
func (c *Controller) goneNodes(ctx context.Context, names []string) map[string]bool {
	gone := map[string]bool{}
	for _, n := range names {
		_, err := c.client.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			gone[n] = true
		case err != nil:
			c.log.Warn("get node", "node", n, "err", err)
		}
	}
	return gone
}

// deleteAll force-deletes pods in parallel; errors are logged, the next
// pass tries again.
func (c *Controller) deleteAll(ctx context.Context, list []*v1.Pod, why *disruption) {
	workqueue.ParallelizeUntil(ctx, deleteWorkers, len(list), func(i int) {
		if err := c.forceDelete(ctx, list[i], why); err != nil && !apierrors.IsNotFound(err) {
			c.log.Warn("delete pod", "pod", list[i].Namespace+"/"+list[i].Name, "err", err)
		}
	})
}

// forceDelete marks a pod that has not finished Failed (no kubelet will
// any more), with a DisruptionTarget condition when given a reason, then
// deletes it with grace period 0, as upstream's markFailedAndDeletePod.
func (c *Controller) forceDelete(ctx context.Context, p *v1.Pod, why *disruption) error {
	podsClient := c.client.CoreV1().Pods(p.Namespace)
	if p.Status.Phase != v1.PodSucceeded && p.Status.Phase != v1.PodFailed {
		if _, err := podsClient.Patch(ctx, p.Name, types.StrategicMergePatchType, failedPatch(p, why, c.now()), metav1.PatchOptions{}, "status"); err != nil {
			return err
		}
	}
	c.log.Info("force deleting pod", "pod", p.Namespace+"/"+p.Name, "node", p.Spec.NodeName)
	return podsClient.Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64), Preconditions: &metav1.Preconditions{UID: &p.UID}})
}

// failedPatch sets phase Failed and, with a reason, the DisruptionTarget
// condition.
func failedPatch(p *v1.Pod, why *disruption, now time.Time) []byte {
	if why != nil {
		return pods.DisruptionPatch(p, why.reason, why.message, v1.PodFailed, now)
	}
	return []byte(`{"metadata":{"uid":"` + string(p.UID) + `"},"status":{"phase":"Failed"}}`)
}
