package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

// NodeUnschedulable rejects cordoned nodes unless the pod tolerates the
// node.kubernetes.io/unschedulable:NoSchedule taint (as DaemonSet pods do).
type NodeUnschedulable struct{}

const (
	NodeUnschedulableName  = "NodeUnschedulable"
	ErrReasonUnschedulable = "node(s) were unschedulable"
)

func (NodeUnschedulable) Name() string { return NodeUnschedulableName }

// Filter checks spec.unschedulable directly rather than the taint, so a
// cordon takes effect before the node controller adds the taint.
func (NodeUnschedulable) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	node := ni.Node()
	if !node.Spec.Unschedulable {
		return nil
	}
	taint := v1.Taint{Key: v1.TaintNodeUnschedulable, Effect: v1.TaintEffectNoSchedule}
	if tolerates(pod.Spec.Tolerations, &taint) {
		return nil
	}
	return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
}
