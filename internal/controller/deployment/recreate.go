package deployment

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// rolloutRecreate: scale every old ReplicaSet to zero, wait until none of
// their pods runs, then create (or grow) the new one.
func (c *Controller) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (time.Duration, error) {
	newRS, old, err := c.newAndOld(ctx, d, rss, false)
	if err != nil {
		return 0, err
	}
	all := append(append([]*appsv1.ReplicaSet{}, old...), newRS)
	scaledDown := false
	for _, rs := range active(old) {
		scaled, err := c.scaleRSTo(ctx, rs, 0, d)
		if err != nil {
			return 0, err
		}
		scaledDown = scaledDown || scaled
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, d, all, newRS)
	}
	running, err := c.oldPodsRunning(d, newRS, old)
	if err != nil {
		return 0, err
	}
	if running {
		return c.syncRolloutStatus(ctx, d, all, newRS)
	}
	if newRS == nil {
		if newRS, old, err = c.newAndOld(ctx, d, rss, true); err != nil {
			return 0, err
		}
		all = append(append([]*appsv1.ReplicaSet{}, old...), newRS)
	}
	if _, err := c.scaleRSTo(ctx, newRS, *d.Spec.Replicas, d); err != nil {
		return 0, err
	}
	if complete(d, &d.Status) {
		if err := c.cleanup(ctx, d, old); err != nil {
			return 0, err
		}
	}
	return c.syncRolloutStatus(ctx, d, all, newRS)
}

// oldPodsRunning: an old ReplicaSet still reports pods, or a pod of one
// has not finished (the ReplicaSet's status may lag its pods).
func (c *Controller) oldPodsRunning(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) (bool, error) {
	if statusSum(old, actualReplicas) > 0 {
		return true, nil
	}
	sel, err := selectorOf(d)
	if err != nil {
		return false, err
	}
	pods, err := c.podList.Pods(d.Namespace).List(sel)
	if err != nil {
		return false, err
	}
	return anyOldPodRunning(pods, newRS, old), nil
}

// anyOldPodRunning: a pod controlled by one of the old ReplicaSets is
// neither Succeeded nor Failed.
func anyOldPodRunning(pods []*v1.Pod, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) bool {
	oldUIDs := map[types.UID]bool{}
	for _, rs := range old {
		oldUIDs[rs.UID] = true
	}
	if newRS != nil {
		delete(oldUIDs, newRS.UID)
	}
	for _, p := range pods {
		ref := metav1.GetControllerOfNoCopy(p)
		if ref == nil || !oldUIDs[ref.UID] {
			continue
		}
		if p.Status.Phase != v1.PodSucceeded && p.Status.Phase != v1.PodFailed {
			return true
		}
	}
	return false
}
