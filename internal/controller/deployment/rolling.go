package deployment

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

// rolloutRolling takes one step of a rolling update: grow the new
// ReplicaSet within maxSurge; else shrink old ones within maxUnavailable;
// once complete, clean up history. Every step ends by writing the status.
func (c *Controller) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (time.Duration, error) {
	newRS, old, err := c.newAndOld(ctx, d, rss, true)
	if err != nil {
		return 0, err
	}
	all := append(append([]*appsv1.ReplicaSet{}, old...), newRS)
	scaled, err := c.reconcileNewRS(ctx, d, all, newRS)
	if err != nil {
		return 0, err
	}
	if scaled {
		return c.syncRolloutStatus(ctx, d, all, newRS)
	}
	ops := planOldScaleDown(d, all, active(old), newRS)
	for _, o := range ops {
		if _, err := c.scaleRSTo(ctx, o.RS, o.Size, d); err != nil {
			return 0, err
		}
	}
	if len(ops) > 0 {
		return c.syncRolloutStatus(ctx, d, all, newRS)
	}
	if complete(d, &d.Status) {
		if err := c.cleanup(ctx, d, old); err != nil {
			return 0, err
		}
	}
	return c.syncRolloutStatus(ctx, d, all, newRS)
}

// reconcileNewRS sizes the new ReplicaSet: down to spec.replicas if it is
// above, else up as far as the surge allows.
func (c *Controller) reconcileNewRS(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	want := *d.Spec.Replicas
	switch {
	case replicas(newRS) == want:
		return false, nil
	case replicas(newRS) > want:
		return c.scaleRSTo(ctx, newRS, want, d)
	}
	return c.scaleRSTo(ctx, newRS, newRSReplicas(d, all, newRS), d)
}
