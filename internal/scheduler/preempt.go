package scheduler

import (
	"context"
	"errors"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"orca/internal/scheduler/framework"
	"orca/internal/scheduler/preemption"
)

// preemptResult is what preemption decided for a pod that did not fit.
type preemptResult struct {
	nominate        string // node the pod waits for (victims are going)
	clearNomination bool   // an old nomination no longer helps
	message         string // appended to the FailedScheduling message
}

// preempt runs upstream's default preemption (PostFilter) for a pod no
// node fits: it evicts lower-priority victims on the one node where that
// makes room, and nominates that node.
func (s *Scheduler) preempt(ctx context.Context, pod *corev1.Pod, state *framework.CycleState, snap *framework.Snapshot, err error) preemptResult {
	var fit *framework.FitError
	if !errors.As(err, &fit) {
		return preemptResult{}
	}
	pdbs, _ := s.pdbs.List(labels.Everything())
	c, st := preemption.Preempt(ctx, preemption.Input{Framework: s.fwk, State: state, Pod: pod, Snapshot: snap,
		Diagnosis: fit.Diagnosis, PDBs: pdbs})
	if c == nil {
		res := preemptResult{clearNomination: !preemption.IsNotEligible(st) && pod.Status.NominatedNodeName != ""}
		if st != nil {
			if st.Code() == framework.Error {
				slog.Warn("preemption failed", "pod", pod.Namespace+"/"+pod.Name, "err", st.Message())
			} else {
				res.message = st.Message()
			}
		}
		return res
	}
	for _, v := range c.Victims {
		s.evict(ctx, pod, v, c.Node)
	}
	return preemptResult{nominate: c.Node}
}

// evict marks a victim with the DisruptionTarget condition, then deletes it
// with its own grace period, as upstream's preemption does.
func (s *Scheduler) evict(ctx context.Context, preemptor, victim *corev1.Pod, node string) {
	v := victim.DeepCopy()
	cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: corev1.PodReasonPreemptionByScheduler,
		Message: DefaultSchedulerName + ": preempting to accommodate a higher priority pod", LastTransitionTime: metav1.Now()}
	replaced := false
	for i := range v.Status.Conditions {
		if v.Status.Conditions[i].Type == corev1.DisruptionTarget {
			v.Status.Conditions[i], replaced = cond, true
		}
	}
	if !replaced {
		v.Status.Conditions = append(v.Status.Conditions, cond)
	}
	if _, err := s.client.CoreV1().Pods(v.Namespace).UpdateStatus(ctx, v, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		slog.Debug("victim condition", "pod", v.Namespace+"/"+v.Name, "err", err)
	}
	err := s.client.CoreV1().Pods(v.Namespace).Delete(ctx, v.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &v.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		slog.Warn("preemption: delete victim", "pod", v.Namespace+"/"+v.Name, "err", err)
		return
	}
	s.recorder.Eventf(victim, corev1.EventTypeNormal, "Preempted", "Preempted by pod %s on node %s", preemptor.UID, node)
}
