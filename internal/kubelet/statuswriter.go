package kubelet

import (
	"context"
	"encoding/json"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// writeStatus sends the pod's status when it differs from what the API
// has. A merge patch carrying the pod's UID replaces the kubelet-owned
// fields whole and cannot land on a new pod of the same name.
func (k *Kubelet) writeStatus(ctx context.Context, w *podWorker, pod *v1.Pod, st v1.PodStatus) {
	truncateTimes(&st)
	if equality.Semantic.DeepEqual(pod.Status, st) {
		w.lastStatus = &st
		return
	}
	if w.lastStatus != nil && equality.Semantic.DeepEqual(*w.lastStatus, st) {
		// Written already; the informer has not caught up yet.
		return
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": pod.UID},
		"status":   st,
	})
	if err != nil {
		return
	}
	_, err = k.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
	switch {
	case err == nil:
		w.lastStatus = &st
	case apierrors.IsNotFound(err):
	default:
		k.log.Warn("write pod status", "pod", podKey(pod), "err", err)
	}
}

// truncateTimes rounds the status's times down to the second, as the API
// stores them: compared at full precision, a status that changed nothing
// would still differ from the stored one and be written again.
func truncateTimes(st *v1.PodStatus) {
	trunc := func(t *metav1.Time) {
		if t != nil && !t.IsZero() {
			*t = t.Rfc3339Copy()
		}
	}
	trunc(st.StartTime)
	for i := range st.Conditions {
		trunc(&st.Conditions[i].LastProbeTime)
		trunc(&st.Conditions[i].LastTransitionTime)
	}
	for _, list := range [][]v1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses, st.EphemeralContainerStatuses} {
		for i := range list {
			for _, s := range []*v1.ContainerState{&list[i].State, &list[i].LastTerminationState} {
				if s.Running != nil {
					trunc(&s.Running.StartedAt)
				}
				if s.Terminated != nil {
					trunc(&s.Terminated.StartedAt)
					trunc(&s.Terminated.FinishedAt)
				}
			}
		}
	}
}
