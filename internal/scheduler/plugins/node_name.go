package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

// NodeName rejects every node but the one named in spec.nodeName.
type NodeName struct{}

const (
	NodeNameName           = "NodeName"
	ErrReasonNodeNameNoFit = "node(s) didn't match the requested node name"
)

func (NodeName) Name() string { return NodeNameName }

// Filter: a pod naming a node can only ever go there, hence unresolvable.
func (NodeName) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	if pod.Spec.NodeName == "" || pod.Spec.NodeName == ni.NodeName() {
		return nil
	}
	return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNodeNameNoFit)
}
