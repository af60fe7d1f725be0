package deployment

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// Reconcile brings one Deployment a step closer to its spec. A write
// that conflicts was made from a cache that lags the server: the newer
// object's watch event queues the Deployment again, so that is no error
// to log and back off for (a late look once more in case).
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	after, err := c.reconcile(ctx, key)
	if apierrors.IsConflict(err) {
		return time.Second, nil
	}
	return after, err
}

// reconcile is upstream's syncDeployment: a Deployment being deleted only
// gets its status; a paused one or one whose replicas changed is scaled
// without rolling out; otherwise its strategy rolls the template out.
func (c *Controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.dLister.Deployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	d := cached.DeepCopy()
	if sel := d.Spec.Selector; sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		c.recorder.Eventf(d, v1.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		if d.Status.ObservedGeneration < d.Generation {
			d.Status.ObservedGeneration = d.Generation
			return 0, c.updateStatus(ctx, d)
		}
		return 0, nil
	}
	rss, err := c.replicaSetsFor(ctx, d)
	if err != nil {
		return 0, err
	}
	if d.DeletionTimestamp != nil {
		return 0, c.syncStatusOnly(ctx, d, rss)
	}
	if pausedCondition(d, c.now()) {
		if err := c.updateStatus(ctx, d); err != nil {
			return 0, err
		}
	}
	if d.Spec.Paused {
		return 0, c.sync(ctx, d, rss)
	}
	scaling, err := c.isScalingEvent(ctx, d, rss)
	if err != nil {
		return 0, err
	}
	if scaling {
		return 0, c.sync(ctx, d, rss)
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return c.rolloutRecreate(ctx, d, rss)
	}
	return c.rolloutRolling(ctx, d, rss)
}

func selectorOf(d *appsv1.Deployment) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(d.Spec.Selector)
}

// isScalingEvent: spec.replicas differs from what an active ReplicaSet
// was last sized for (its desired-replicas annotation) — the user scaled
// rather than changed the template.
func (c *Controller) isScalingEvent(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (bool, error) {
	newRS, old, err := c.newAndOld(ctx, d, rss, false)
	if err != nil {
		return false, err
	}
	for _, rs := range active(append(old, newRS)) {
		if desired, ok := annotatedInt(rs, DesiredReplicasAnnotation); ok && desired != *d.Spec.Replicas {
			return true, nil
		}
	}
	return false, nil
}

// sync scales the ReplicaSets to a new spec.replicas (paused or not)
// and, when paused, cleans up history; then it writes the status.
func (c *Controller) sync(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, old, err := c.newAndOld(ctx, d, rss, false)
	if err != nil {
		return err
	}
	if err := c.scale(ctx, d, newRS, old); err != nil {
		return err
	}
	if d.Spec.Paused {
		if err := c.cleanup(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncStatus(ctx, d, append(old, newRS), newRS)
}

// syncStatusOnly writes the status of a Deployment being deleted.
func (c *Controller) syncStatusOnly(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, old, err := c.newAndOld(ctx, d, rss, false)
	if err != nil {
		return err
	}
	return c.syncStatus(ctx, d, append(old, newRS), newRS)
}

// syncStatus writes the counts and the Available condition.
func (c *Controller) syncStatus(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) error {
	s := calculateStatus(d, all, newRS, c.now())
	if apiequality.Semantic.DeepEqual(d.Status, s) {
		return nil
	}
	d.Status = s
	return c.updateStatus(ctx, d)
}

// syncRolloutStatus writes the status of a rollout step, Progressing
// condition included. A rollout without progress is looked at again when
// its deadline would pass.
func (c *Controller) syncRolloutStatus(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (time.Duration, error) {
	now := c.now()
	s := rolloutStatus(d, all, newRS, now)
	if apiequality.Semantic.DeepEqual(d.Status, s) {
		return stuckRecheck(d, &s, now), nil
	}
	d.Status = s
	return 0, c.updateStatus(ctx, d)
}

// updateStatus writes d's status and takes the stored object back (so a
// second write in the same reconcile does not conflict with the first).
func (c *Controller) updateStatus(ctx context.Context, d *appsv1.Deployment) error {
	out, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	*d = *out
	return nil
}

// scaleRS sets rs's size (and its size annotations) and records the
// ScalingReplicaSet event; rs is updated in place with what was stored.
func (c *Controller) scaleRS(ctx context.Context, rs *appsv1.ReplicaSet, size int32, d *appsv1.Deployment, op string) (bool, error) {
	desired, maxSize := *d.Spec.Replicas, *d.Spec.Replicas+MaxSurge(d)
	sizeChanged := replicas(rs) != size
	if !sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, maxSize) {
		return false, nil
	}
	from := replicas(rs)
	cp := rs.DeepCopy()
	cp.Spec.Replicas = &size
	setReplicasAnnotations(cp, desired, maxSize)
	out, err := c.client.AppsV1().ReplicaSets(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return false, err
	}
	*rs = *out
	if sizeChanged {
		c.recorder.Eventf(d, v1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", op, rs.Name, from, size)
	}
	return sizeChanged, nil
}

// scaleRSTo is scaleRS with the direction worked out.
func (c *Controller) scaleRSTo(ctx context.Context, rs *appsv1.ReplicaSet, size int32, d *appsv1.Deployment) (bool, error) {
	if replicas(rs) == size {
		return false, nil
	}
	op := "up"
	if size < replicas(rs) {
		op = "down"
	}
	return c.scaleRS(ctx, rs, size, d, op)
}

// scale resizes the ReplicaSets to spec.replicas: the only active one
// takes it all; a saturated new one leaves the old at zero; in the middle
// of a rolling update the change is spread proportionally.
func (c *Controller) scale(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) error {
	if rs := findActiveOrLatest(newRS, old); rs != nil {
		_, err := c.scaleRSTo(ctx, rs, *d.Spec.Replicas, d)
		return err
	}
	if isSaturated(d, newRS) {
		for _, rs := range active(old) {
			if _, err := c.scaleRSTo(ctx, rs, 0, d); err != nil {
				return err
			}
		}
		return nil
	}
	if !isRollingUpdate(d) {
		return nil
	}
	ops, dir := planProportionalScale(d, append(old, newRS))
	for _, o := range ops {
		if _, err := c.scaleRS(ctx, o.RS, o.Size, d, dir); err != nil {
			return err
		}
	}
	return nil
}

// cleanup deletes old ReplicaSets beyond revisionHistoryLimit.
func (c *Controller) cleanup(ctx context.Context, d *appsv1.Deployment, old []*appsv1.ReplicaSet) error {
	for _, rs := range planCleanup(d, old) {
		err := c.client.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &rs.UID}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("delete old replica set %s: %w", rs.Name, err)
		}
	}
	return nil
}
