package plugins

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

// NodeResourcesBalancedAllocation prefers nodes whose utilisation across
// resources stays even (low standard deviation of used fractions), so no
// resource is stranded while another is exhausted.
type NodeResourcesBalancedAllocation struct {
	// Resources defaults to cpu and memory with weight 1.
	Resources []ResourceWeight
}

const (
	BalancedAllocationName = "NodeResourcesBalancedAllocation"
	balancedKey            = "PreScore" + BalancedAllocationName
)

func (NodeResourcesBalancedAllocation) Name() string { return BalancedAllocationName }

// PreScore skips best-effort pods: they request nothing, so they cannot
// change any node's balance (upstream does the same).
func (NodeResourcesBalancedAllocation) PreScore(_ context.Context, cs *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo, _ *fw.Snapshot) *fw.Status {
	req := fw.PodRequests(pod, false)
	if req.IsZero() {
		return fw.NewStatus(fw.Skip)
	}
	cs.Write(balancedKey, &podRequestState{req: req})
	return nil
}

// Score uses real (not defaulted) requests, as upstream.
func (p NodeResourcesBalancedAllocation) Score(_ context.Context, cs *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	res := p.Resources
	if len(res) == 0 {
		res = DefaultResources
	}
	var a, r [maxScoredResources]int64
	alloc, req := buffers(len(res), &a, &r)
	allocation(scoreRequests(cs, balancedKey, pod, false), ni, res, false, alloc, req)
	return balancedScore(alloc, req), nil
}

// balancedScore is (1 - std of the used fractions) * 100; fractions are
// capped at 1 and resources the node lacks are ignored.
func balancedScore(alloc, req []int64) int64 {
	var buf [maxScoredResources]float64
	fr := buf[:0]
	var sum float64
	for i := range alloc {
		if alloc[i] == 0 {
			continue
		}
		f := min(float64(req[i])/float64(alloc[i]), 1)
		fr = append(fr, f)
		sum += f
	}
	var std float64
	switch {
	case len(fr) == 2:
		// Two resources: the std is half the gap, skip the general formula.
		std = math.Abs((fr[0] - fr[1]) / 2)
	case len(fr) > 2:
		mean := sum / float64(len(fr))
		var v float64
		for _, f := range fr {
			v += (f - mean) * (f - mean)
		}
		std = math.Sqrt(v / float64(len(fr)))
	}
	return int64((1 - std) * float64(fw.MaxNodeScore))
}

func (NodeResourcesBalancedAllocation) ScoreExtensions() fw.ScoreExtensions { return nil }
