package nodeipam

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// Reconcile makes sure the node holds a block: it records the one it has,
// gives it one if it has none, or frees its block once it is gone.
func (c *Controller) Reconcile(ctx context.Context, name string) (time.Duration, error) {
	node, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		c.release(name)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if hasCIDR(node) {
		c.observe(node)
		return 0, nil
	}
	cidr, err := c.assign(name)
	if errors.Is(err, errExhausted) {
		c.recorder.Eventf(&corev1.ObjectReference{APIVersion: "v1", Kind: "Node", Name: name, UID: node.UID},
			corev1.EventTypeNormal, "CIDRNotAvailable", "Node %s status is now: CIDRNotAvailable", name)
		slog.Warn("nodeipam: no pod CIDR left for node", "node", name)
		return retryExhausted, nil
	}
	if err := c.patch(ctx, name, cidr); err != nil {
		if apierrors.IsNotFound(err) {
			c.release(name)
			return 0, nil
		}
		return 0, err // keep the block: the retry patches the same one
	}
	slog.Info("nodeipam: assigned pod CIDR", "node", name, "cidr", cidr)
	return 0, nil
}

// occupyExisting marks the blocks of all known nodes used, before any
// allocation, so none is handed out twice.
func (c *Controller) occupyExisting() error {
	nodes, err := c.lister.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if hasCIDR(n) {
			c.observe(n)
		}
	}
	return nil
}

// observe records the block a node carries. A CIDR outside the cluster
// range (set by hand, or of the other address family) is left alone.
func (c *Controller) observe(n *corev1.Node) {
	cidr, ok := c.nodeCIDR(n)
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, had := c.byNode[n.Name]
	if had && ok && cur == cidr {
		return
	}
	if had {
		// Our patch lost to another writer: the node keeps theirs.
		c.set.Release(cur)
		delete(c.byNode, n.Name)
	}
	if !ok {
		slog.Info("nodeipam: node has no pod CIDR of the cluster CIDR's family; left alone", "node", n.Name, "cidrs", n.Spec.PodCIDRs)
		return
	}
	if err := c.set.Occupy(cidr); err != nil {
		slog.Info("nodeipam: node pod CIDR outside the cluster CIDR; left alone", "node", n.Name, "cidr", cidr, "err", err)
		return
	}
	c.byNode[n.Name] = cidr
}

// nodeCIDR is the node's CIDR of the cluster's address family.
func (c *Controller) nodeCIDR(n *corev1.Node) (netip.Prefix, bool) {
	cidrs := n.Spec.PodCIDRs
	if len(cidrs) == 0 {
		cidrs = []string{n.Spec.PodCIDR}
	}
	for _, s := range cidrs {
		p, err := netip.ParsePrefix(s)
		if err == nil && p.Addr().Is4() == c.set.cluster.Addr().Is4() {
			return p.Masked(), true
		}
	}
	return netip.Prefix{}, false
}

// assign returns the block being given to the node, allocating one if
// there is none yet.
func (c *Controller) assign(name string) (netip.Prefix, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cidr, ok := c.byNode[name]; ok {
		return cidr, nil
	}
	cidr, err := c.set.Allocate()
	if err != nil {
		return netip.Prefix{}, err
	}
	c.byNode[name] = cidr
	return cidr, nil
}

// release frees a deleted node's block and wakes nodes waiting for one.
func (c *Controller) release(name string) {
	c.mu.Lock()
	cidr, ok := c.byNode[name]
	if ok {
		delete(c.byNode, name)
		c.set.Release(cidr)
	}
	c.mu.Unlock()
	if !ok {
		return
	}
	slog.Info("nodeipam: released pod CIDR", "node", name, "cidr", cidr)
	nodes, _ := c.lister.List(labels.Everything())
	for _, n := range nodes {
		if !hasCIDR(n) {
			c.queue.Add(n.Name)
		}
	}
}

// patch writes spec.podCIDR and spec.podCIDRs. The API server rejects a
// change once they are set, so this only ever fills them in.
func (c *Controller) patch(ctx context.Context, name string, cidr netip.Prefix) error {
	s := cidr.String()
	body, err := json.Marshal(map[string]any{"spec": map[string]any{"podCIDR": s, "podCIDRs": []string{s}}})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, body, metav1.PatchOptions{})
	return err
}
