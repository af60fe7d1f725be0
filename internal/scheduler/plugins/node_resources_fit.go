package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

// NodeResourcesFit rejects nodes without room for the pod's requests and
// scores the rest by a resource-allocation strategy.
type NodeResourcesFit struct {
	// Strategy defaults to LeastAllocated.
	Strategy ScoringStrategy
	// Resources and their weights for scoring; default cpu=1, memory=1.
	Resources []ResourceWeight
	// IgnoredResources are extended resources another component accounts.
	IgnoredResources map[v1.ResourceName]bool
}

const (
	NodeResourcesFitName = "NodeResourcesFit"
	ErrReasonTooManyPods = "Too many pods"
	nodeResourcesFitKey  = "PreFilter" + NodeResourcesFitName
)

func (NodeResourcesFit) Name() string { return NodeResourcesFitName }

// InsufficientResource explains one shortfall.
type InsufficientResource struct {
	Name   v1.ResourceName
	Reason string
	// Unresolvable: the request exceeds the node's whole allocatable, so no
	// eviction could make room.
	Unresolvable bool
}

type podRequestState struct{ req *fw.Resource }

func (s *podRequestState) Clone() fw.StateData { return s }

// PreFilter computes the pod's requests once per cycle.
func (NodeResourcesFit) PreFilter(_ context.Context, cs *fw.CycleState, pod *v1.Pod, _ *fw.Snapshot) (*fw.PreFilterResult, *fw.Status) {
	cs.Write(nodeResourcesFitKey, &podRequestState{req: fw.PodRequests(pod, false)})
	return nil, nil
}

// Filter reports every shortfall at once, so the event lists them all.
func (p NodeResourcesFit) Filter(_ context.Context, cs *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	var req *fw.Resource
	if v, err := cs.Read(nodeResourcesFitKey); err == nil {
		req = v.(*podRequestState).req
	} else {
		req = fw.PodRequests(pod, false)
	}
	missing := Fits(req, ni, p.IgnoredResources)
	if len(missing) == 0 {
		return nil
	}
	code := fw.Unschedulable
	reasons := make([]string, 0, len(missing))
	for _, m := range missing {
		reasons = append(reasons, m.Reason)
		if m.Unresolvable {
			code = fw.UnschedulableAndUnresolvable
		}
	}
	return fw.NewStatus(code, reasons...)
}

// Fits lists what node ni lacks to host a pod requesting req.
func Fits(req *fw.Resource, ni *fw.NodeInfo, ignored map[v1.ResourceName]bool) []InsufficientResource {
	var out []InsufficientResource
	alloc, used := ni.Allocatable, ni.Requested
	if len(ni.Pods)+1 > alloc.AllowedPodNumber {
		out = append(out, InsufficientResource{Name: v1.ResourcePods, Reason: ErrReasonTooManyPods})
	}
	if req.IsZero() {
		return out
	}
	check := func(name v1.ResourceName, want, have, inUse int64) {
		if want > 0 && want > have-inUse {
			out = append(out, InsufficientResource{Name: name, Reason: fmt.Sprintf("Insufficient %v", name), Unresolvable: want > have})
		}
	}
	check(v1.ResourceCPU, req.MilliCPU, alloc.MilliCPU, used.MilliCPU)
	check(v1.ResourceMemory, req.Memory, alloc.Memory, used.Memory)
	check(v1.ResourceEphemeralStorage, req.EphemeralStorage, alloc.EphemeralStorage, used.EphemeralStorage)
	for _, name := range sortedScalarNames(req.ScalarResources) {
		if ignored[name] {
			continue
		}
		check(name, req.ScalarResources[name], alloc.ScalarResources[name], used.ScalarResources[name])
	}
	return out
}
