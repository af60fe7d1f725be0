package nodelifecycle

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// reconcileNode checks one node's heartbeats, marks it Unknown when they
// stopped, brings its managed taints in line with its conditions, and
// marks its pods not Ready while it is not Ready.
func (c *Controller) reconcileNode(ctx context.Context, name string) (time.Duration, error) {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(name)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	lease, err := c.leases.Leases(leaseNamespace).Get(name)
	if err != nil {
		lease = nil // not created yet: the node's status is the only heartbeat
	}
	now := c.now()
	stale, was := c.observe(node, lease, now)
	if stale {
		if node, err = c.markUnknown(ctx, node, now); err != nil {
			return 0, err
		}
	}
	ready := readyStatus(node)
	if was == v1.ConditionTrue && ready != v1.ConditionTrue {
		c.log.Info("node not ready", "node", name, "ready", ready)
		c.events.Eventf(nodeRef(node), v1.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", name)
	}
	c.setReady(name, ready)
	if err := c.syncTaints(ctx, node, now); err != nil {
		return 0, err
	}
	if ready != v1.ConditionTrue {
		return 0, c.markPodsNotReady(ctx, node, now)
	}
	return 0, nil
}

// observe updates the node's probe; it reports whether the node is stale
// and the Ready status seen the time before.
func (c *Controller) observe(node *v1.Node, lease *coordinationv1.Lease, now time.Time) (stale bool, was v1.ConditionStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.health[node.Name]
	if p == nil {
		p = newProbe(node, lease, now)
		c.health[node.Name] = p
		c.events.Eventf(nodeRef(node), v1.EventTypeNormal, "RegisteredNode", "Registered Node %s in Controller", node.Name)
	}
	p.observe(node, lease, now)
	grace := c.grace
	if condition(node, v1.NodeReady) == nil {
		grace = startupGrace(c.grace)
	}
	return p.stale(now, grace), p.ready
}

// startupGrace is how long a node that never posted its status may take
// to do so: upstream's --node-startup-grace-period, 60 s with the default
// 40 s grace period (here scaled with it, so tests stay short).
func startupGrace(grace time.Duration) time.Duration { return grace * 3 / 2 }

func (c *Controller) setReady(name string, s v1.ConditionStatus) {
	c.mu.Lock()
	if p := c.health[name]; p != nil {
		p.ready = s
	}
	c.mu.Unlock()
}

// forget drops a deleted node's probe.
func (c *Controller) forget(name string) {
	c.mu.Lock()
	_, known := c.health[name]
	delete(c.health, name)
	delete(c.granted, name)
	c.mu.Unlock()
	if known {
		c.events.Eventf(&v1.ObjectReference{Kind: "Node", Name: name, UID: types.UID(name)}, v1.EventTypeNormal,
			"RemovingNode", "Removing Node %s from Controller", name)
	}
}

// markUnknown writes the kubelet's conditions as Unknown.
func (c *Controller) markUnknown(ctx context.Context, node *v1.Node, now time.Time) (*v1.Node, error) {
	conds, changed := markUnknown(node, now)
	if !changed {
		return node, nil
	}
	n := node.DeepCopy()
	n.Status.Conditions = conds
	c.log.Info("node stopped posting status", "node", node.Name, "grace", c.grace)
	return c.client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
}

// syncTaints writes the node's managed taints when they differ from what
// its conditions call for. The update carries the informer's
// resourceVersion: a conflict retries with a fresh copy.
func (c *Controller) syncTaints(ctx context.Context, node *v1.Node, now time.Time) error {
	taints, changed := syncTaints(node.Spec.Taints, c.gateNoExecute(node, wantedTaints(node)), now)
	if !changed {
		return nil
	}
	n := node.DeepCopy()
	n.Spec.Taints = taints
	_, err := c.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
	return err
}

// markPodsNotReady sets the Ready condition of the node's pods False, as
// upstream's MarkPodsNotReady, so that Services and controllers stop
// counting them.
func (c *Controller) markPodsNotReady(ctx context.Context, node *v1.Node, now time.Time) error {
	var firstErr error
	for _, p := range c.podsOn(node.Name) {
		if !podReady(p) {
			continue
		}
		_, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, notReadyPatch(p, now), metav1.PatchOptions{}, "status")
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
		default:
			c.events.Event(p, v1.EventTypeWarning, "NodeNotReady", "Node is not ready")
		}
	}
	return firstErr
}

func podReady(p *v1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == v1.PodReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

// notReadyPatch turns the pod's Ready condition False; the strategic merge
// keeps the condition's other fields.
func notReadyPatch(p *v1.Pod, now time.Time) []byte {
	return []byte(`{"metadata":{"uid":"` + string(p.UID) + `"},"status":{"conditions":[{"type":"Ready","status":"False","lastTransitionTime":"` +
		now.UTC().Format(time.RFC3339) + `"}]}}`)
}

func nodeRef(n *v1.Node) *v1.ObjectReference {
	return &v1.ObjectReference{Kind: "Node", Name: n.Name, UID: n.UID}
}
