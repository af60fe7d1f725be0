package nodelifecycle

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/pods"
)

// reconcilePod is the taint eviction controller's work on one pod: delete
// it if its node has a NoExecute taint it does not tolerate, now or once
// its tolerationSeconds ran out.
func (c *Controller) reconcilePod(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) || (err == nil && (pod.DeletionTimestamp != nil || pod.Spec.NodeName == "")) {
		c.stopTimer(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	node, err := c.nodes.Get(pod.Spec.NodeName)
	if apierrors.IsNotFound(err) {
		c.stopTimer(key) // the pod garbage collector's business
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	now := c.now()
	v, after := evictionFor(pod.Spec.Tolerations, noExecute(node))
	switch v {
	case keep:
		if c.stopTimer(key) {
			c.evictions.Eventf(pod, v1.EventTypeNormal, "TaintManagerEviction", "Cancelling deletion of Pod %s", key)
		}
		return 0, nil
	case evictAfter:
		if due := c.startTimer(key, now).Add(after); now.Before(due) {
			return due.Sub(now), nil
		}
	}
	return 0, c.evict(ctx, pod, key, now)
}

// startTimer returns when the pod was first seen needing eviction.
func (c *Controller) startTimer(key string, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	start, ok := c.evictAt[key]
	if !ok {
		start = now
		c.evictAt[key] = now
	}
	return start
}

// stopTimer forgets a pod's eviction timer; it reports whether one ran.
func (c *Controller) stopTimer(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.evictAt[key]
	delete(c.evictAt, key)
	return ok
}

// evict marks the pod DisruptionTarget (DeletionByTaintManager) and deletes
// it gracefully, as upstream: on a dead node it stays Terminating, which
// is enough for its controller to replace it.
func (c *Controller) evict(ctx context.Context, pod *v1.Pod, key string, now time.Time) error {
	c.log.Info("evicting pod", "pod", key, "node", pod.Spec.NodeName)
	c.evictions.Eventf(pod, v1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s", key)
	podsClient := c.client.CoreV1().Pods(pod.Namespace)
	if !hasDisruptionTarget(pod) {
		patch := pods.DisruptionPatch(pod, pods.DeletionByTaintManager, "Taint manager: deleting due to NoExecute taint", "", now)
		if _, err := podsClient.Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
			return ignoreNotFound(err)
		}
	}
	err := podsClient.Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err == nil || apierrors.IsNotFound(err) {
		c.stopTimer(key)
	}
	return ignoreNotFound(err)
}

func hasDisruptionTarget(p *v1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == v1.DisruptionTarget && c.Status == v1.ConditionTrue {
			return true
		}
	}
	return false
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// nodeTaintsChanged queues the pods of a node whose NoExecute taints
// changed: the taint eviction controller's work.
func (c *Controller) nodeTaintsChanged(old, obj any) {
	n, ok := obj.(*v1.Node)
	if !ok {
		return
	}
	var before []v1.Taint
	if o, ok := old.(*v1.Node); ok {
		before = noExecute(o)
	}
	after := noExecute(n)
	if sameTaints(before, after) {
		return
	}
	for _, p := range c.podsOn(n.Name) {
		c.podLoop.Enqueue(p)
	}
}

// podChanged queues a bound pod when its node has NoExecute taints or the
// pod waits for eviction; other pods (nearly all) cost a map lookup.
func (c *Controller) podChanged(obj any) {
	p, ok := obj.(*v1.Pod)
	if !ok || p.Spec.NodeName == "" {
		return
	}
	if n, err := c.nodes.Get(p.Spec.NodeName); err == nil && len(noExecute(n)) > 0 {
		c.podLoop.Enqueue(p)
		return
	}
	c.mu.Lock()
	_, waiting := c.evictAt[p.Namespace+"/"+p.Name]
	c.mu.Unlock()
	if waiting {
		c.podLoop.Enqueue(p)
	}
}

func (c *Controller) podDeleted(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.mu.Lock()
	delete(c.evictAt, key)
	c.mu.Unlock()
}

func sameTaints(a, b []v1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range a {
		found := false
		for _, u := range b {
			if t.Key == u.Key && t.Value == u.Value && t.Effect == u.Effect {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
