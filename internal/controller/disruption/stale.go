package disruption

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// staleDisruptionTimeout is how long a pod may carry DisruptionTarget=True
// without being deleted before the condition is reset to False (the
// eviction that set it evidently did not delete the pod).
const staleDisruptionTimeout = 2 * time.Minute

// staleDisruptionCondition reports whether the pod has a DisruptionTarget
// condition that will be stale, and in how long. Conditions set by the
// kubelet and those of deleting or terminal pods never go stale.
func staleDisruptionCondition(pod *v1.Pod, now time.Time) (bool, time.Duration) {
	if pod.DeletionTimestamp != nil || pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
		return false, 0
	}
	c := disruptionTarget(pod)
	if c == nil || c.Status != v1.ConditionTrue || c.Reason == v1.PodReasonTerminationByKubelet {
		return false, 0
	}
	return true, max(staleDisruptionTimeout-now.Sub(c.LastTransitionTime.Time), 0)
}

func disruptionTarget(pod *v1.Pod) *v1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == v1.DisruptionTarget {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// reconcileStale resets one pod's stale DisruptionTarget condition to False.
func (c *Controller) reconcileStale(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	has, after := staleDisruptionCondition(pod, c.now())
	if !has {
		return 0, nil
	}
	if after > 0 {
		return after, nil
	}
	pod = pod.DeepCopy()
	cond := disruptionTarget(pod)
	cond.Status = v1.ConditionFalse
	cond.Reason, cond.Message = "", ""
	cond.LastTransitionTime = metav1.NewTime(c.now())
	_, err = c.client.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	return 0, err
}
