package daemonset

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"orca/internal/controller/pods"
)

// counts are the DaemonSet status numbers.
type counts struct {
	desired, current, misscheduled, ready, updated, available, unavailable int32
}

// computeStatus counts, over the nodes, where daemon pods should be and
// are (upstream's updateDaemonSetStatus). On a node with several pods the
// oldest one stands for it.
func computeStatus(ds *appsv1.DaemonSet, nodes []*v1.Node, podsOn map[string][]*v1.Pod, hash string, now time.Time) counts {
	var c counts
	gen := templateGeneration(ds)
	for _, n := range nodes {
		run, _ := shouldRun(n, ds)
		onNode := podsOn[n.Name]
		if !run {
			if len(onNode) > 0 {
				c.misscheduled++
			}
			continue
		}
		c.desired++
		if len(onNode) == 0 {
			continue
		}
		c.current++
		sorted := append([]*v1.Pod(nil), onNode...)
		sortOldestFirst(sorted)
		pod := sorted[0]
		if pods.IsReady(pod) {
			c.ready++
			if pods.IsAvailable(pod, ds.Spec.MinReadySeconds, now) {
				c.available++
			}
		}
		if isUpdated(pod, hash, gen) {
			c.updated++
		}
	}
	c.unavailable = c.desired - c.available
	return c
}

// sameStatus: writing counts (and, when observe, observedGeneration)
// would change nothing.
func sameStatus(s *appsv1.DaemonSetStatus, c counts, generation int64, observe bool) bool {
	return s.DesiredNumberScheduled == c.desired && s.CurrentNumberScheduled == c.current &&
		s.NumberMisscheduled == c.misscheduled && s.NumberReady == c.ready &&
		s.UpdatedNumberScheduled == c.updated && s.NumberAvailable == c.available &&
		s.NumberUnavailable == c.unavailable && (!observe || s.ObservedGeneration >= generation)
}

// writeStatus stores the counts, and observedGeneration when the sync
// acted on this generation; a conflict retries once on a fresh copy.
func (c *Controller) writeStatus(ctx context.Context, ds *appsv1.DaemonSet, n counts, observe bool) error {
	if sameStatus(&ds.Status, n, ds.Generation, observe) {
		return nil
	}
	api := c.client.AppsV1().DaemonSets(ds.Namespace)
	up := ds.DeepCopy()
	for try := 0; ; try++ {
		if observe {
			up.Status.ObservedGeneration = ds.Generation
		}
		s := &up.Status
		s.DesiredNumberScheduled, s.CurrentNumberScheduled, s.NumberMisscheduled = n.desired, n.current, n.misscheduled
		s.NumberReady, s.UpdatedNumberScheduled = n.ready, n.updated
		s.NumberAvailable, s.NumberUnavailable = n.available, n.unavailable
		_, err := api.UpdateStatus(ctx, up, metav1.UpdateOptions{})
		if err == nil || try >= 1 || !apierrors.IsConflict(err) {
			return err
		}
		if up, err = api.Get(ctx, ds.Name, metav1.GetOptions{}); err != nil {
			return err
		}
	}
}
