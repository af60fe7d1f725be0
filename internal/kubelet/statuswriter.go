package kubelet

import (
	"context"
	"encoding/json"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// writeStatus sends the pod's status when it differs from what the API
// has. The patch is the strategic two-way diff from the informer's copy to
// the new status, as upstream's status manager sends: conditions merge by
// type, so one another component added meanwhile (DisruptionTarget) is
// kept, and fields the kubelet cleared are removed. The pod's UID in the
// patch keeps it from landing on a new pod of the same name.
func (k *Kubelet) writeStatus(ctx context.Context, w *podWorker, pod *v1.Pod, st v1.PodStatus) {
	// st shares pointers and slices with the informer's pod: truncating
	// in place would write into the shared cache.
	st = *st.DeepCopy()
	truncateTimes(&st)
	if equality.Semantic.DeepEqual(pod.Status, st) {
		w.lastStatus, w.lastStatusFrom = &st, pod.ResourceVersion
		return
	}
	if w.lastStatus != nil && w.lastStatusFrom == pod.ResourceVersion && equality.Semantic.DeepEqual(*w.lastStatus, st) {
		// Written already from this very copy; the informer has not caught
		// up yet. (A copy that moved on was compared above.)
		return
	}
	// The diff starts from what the API has: the informer's copy, unless
	// that is the very copy the last write was made from (the write is
	// newer). A diff from a stale base would miss fields to clear.
	base := pod.Status
	if w.lastStatus != nil && w.lastStatusFrom == pod.ResourceVersion {
		base = *w.lastStatus
	}
	patch, err := statusPatch(pod.UID, base, st)
	if err != nil {
		k.log.Warn("pod status patch", "pod", podKey(pod), "err", err)
		return
	}
	_, err = k.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	switch {
	case err == nil:
		w.lastStatus, w.lastStatusFrom = &st, pod.ResourceVersion
	case apierrors.IsNotFound(err):
	default:
		k.log.Warn("write pod status", "pod", podKey(pod), "err", err)
	}
}

// statusPatch is the strategic merge patch from status base to st, with
// the pod's UID as a precondition. The two statuses are compared as maps
// (the JSON each would have, without the round trip through JSON text).
func statusPatch(uid types.UID, base, st v1.PodStatus) ([]byte, error) {
	from, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&v1.Pod{Status: base})
	if err != nil {
		return nil, err
	}
	to, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&v1.Pod{Status: st})
	if err != nil {
		return nil, err
	}
	diff, err := strategicpatch.CreateTwoWayMergeMapPatch(from, to, v1.Pod{})
	if err != nil {
		return nil, err
	}
	diff["metadata"] = map[string]any{"uid": uid}
	return json.Marshal(diff)
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
