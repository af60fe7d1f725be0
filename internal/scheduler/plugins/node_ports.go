package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

// NodePorts rejects nodes where a requested hostPort is already taken.
type NodePorts struct{}

const (
	NodePortsName      = "NodePorts"
	ErrReasonNodePorts = "node(s) didn't have free ports for the requested pod ports"
)

func (NodePorts) Name() string { return NodePortsName }

// Filter: Unschedulable (not unresolvable) because evicting the holder
// would free the port.
func (NodePorts) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	for _, p := range fw.PodHostPorts(pod) {
		if ni.UsedPorts.CheckConflict(p.HostIP, string(p.Protocol), p.HostPort) {
			return fw.NewStatus(fw.Unschedulable, ErrReasonNodePorts)
		}
	}
	return nil
}
