package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

const fitScoreKey = "PreScore" + NodeResourcesFitName

// PreScore computes the pod's scoring (non-zero) requests once per cycle.
func (NodeResourcesFit) PreScore(_ context.Context, cs *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo, _ *fw.Snapshot) *fw.Status {
	cs.Write(fitScoreKey, &podRequestState{req: fw.PodRequests(pod, true)})
	return nil
}

func (p NodeResourcesFit) resources() []ResourceWeight {
	if len(p.Resources) == 0 {
		return DefaultResources
	}
	return p.Resources
}

// Score rates the node's utilisation after placing the pod. Scores are
// already in [0, 100], so there is no normalisation.
func (p NodeResourcesFit) Score(_ context.Context, cs *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	res := p.resources()
	var a, r [maxScoredResources]int64
	alloc, req := buffers(len(res), &a, &r)
	allocation(scoreRequests(cs, fitScoreKey, pod, true), ni, res, true, alloc, req)
	if p.Strategy == MostAllocated {
		return weightedScore(alloc, req, res, mostRequested), nil
	}
	return weightedScore(alloc, req, res, leastRequested), nil
}

func (NodeResourcesFit) ScoreExtensions() fw.ScoreExtensions { return nil }
