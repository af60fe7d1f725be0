package framework

// Sampling bounds from upstream: small clusters are always searched in
// full; large ones stop filtering once "enough" feasible nodes are found,
// trading a little placement quality for latency.
const (
	MinFeasibleNodesToFind           = 100
	MinFeasibleNodesPercentageToFind = 5
)

// NumFeasibleNodesToFind returns how many feasible nodes the filter phase
// should look for. percentage 0 selects the adaptive default 50% - n/125,
// floored at 5%; the result is never below 100 nodes.
func NumFeasibleNodesToFind(percentage int32, numAllNodes int32) int32 {
	if numAllNodes < MinFeasibleNodesToFind || percentage >= 100 {
		return numAllNodes
	}
	if percentage <= 0 {
		percentage = 50 - numAllNodes/125
		if percentage < MinFeasibleNodesPercentageToFind {
			percentage = MinFeasibleNodesPercentageToFind
		}
	}
	n := numAllNodes * percentage / 100
	if n < MinFeasibleNodesToFind {
		return MinFeasibleNodesToFind
	}
	return n
}
