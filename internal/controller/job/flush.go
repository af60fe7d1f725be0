package job

import (
	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// flush is the last step of pod tracking: an uncounted pod whose
// finalizer is gone (removed now, or the pod no longer exists) moves into
// status.succeeded or status.failed. Once nothing is uncounted, the
// terminal condition (final, if any) is added, with the completion time
// of a Complete job and its event.
func flush(st batchv1.JobStatus, stillTracked map[types.UID]bool, final *batchv1.JobCondition) (batchv1.JobStatus, []event) {
	st = *st.DeepCopy()
	u := st.UncountedTerminatedPods
	if u == nil {
		u = &batchv1.UncountedTerminatedPods{}
		st.UncountedTerminatedPods = u
	}
	var keepS, keepF []types.UID
	for _, x := range u.Succeeded {
		if stillTracked[x] {
			keepS = append(keepS, x)
		} else {
			st.Succeeded++
		}
	}
	for _, x := range u.Failed {
		if stillTracked[x] {
			keepF = append(keepF, x)
		} else {
			st.Failed++
		}
	}
	u.Succeeded, u.Failed = keepS, keepF
	if final == nil || len(keepS)+len(keepF) > 0 || hasCondition(st.Conditions, final.Type) {
		return st, nil
	}
	st.Conditions = append(st.Conditions, *final)
	if final.Type == batchv1.JobComplete {
		t := metav1.NewTime(final.LastTransitionTime.Time)
		st.CompletionTime = &t
		return st, []event{{v1.EventTypeNormal, "Completed", "Job completed"}}
	}
	return st, []event{{v1.EventTypeWarning, final.Reason, final.Message}}
}
