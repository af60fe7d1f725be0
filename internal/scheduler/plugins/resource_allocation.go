package plugins

import (
	"sort"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

// ScoringStrategy selects how NodeResourcesFit turns utilisation into a score.
type ScoringStrategy string

const (
	// LeastAllocated favours emptier nodes (spreading); the default.
	LeastAllocated ScoringStrategy = "LeastAllocated"
	// MostAllocated favours fuller nodes (bin packing).
	MostAllocated ScoringStrategy = "MostAllocated"
)

// ResourceWeight is one resource considered by a scorer.
type ResourceWeight struct {
	Name   v1.ResourceName
	Weight int64
}

// DefaultResources is upstream's default: cpu and memory, weight 1 each.
var DefaultResources = []ResourceWeight{{v1.ResourceCPU, 1}, {v1.ResourceMemory, 1}}

// scoreRequests returns the pod's requests computed in PreScore, or
// computes them when PreScore did not run (direct calls in tests).
func scoreRequests(cs *fw.CycleState, key string, pod *v1.Pod, nonZero bool) *fw.Resource {
	if v, err := cs.Read(key); err == nil {
		return v.(*podRequestState).req
	}
	return fw.PodRequests(pod, nonZero)
}

// allocation fills, per resource, the node's allocatable and what would
// be requested once the pod lands, into caller-owned slices (kept on the
// stack: this runs once per node per scorer). nonZero selects the scoring
// defaults for cpu/memory so best-effort pods still weigh something.
// Resources the node does not offer stay 0 and are skipped by scorers.
func allocation(podReq *fw.Resource, ni *fw.NodeInfo, res []ResourceWeight, nonZero bool, alloc, req []int64) {
	used := ni.Requested
	if nonZero {
		used = ni.NonZeroRequested
	}
	for i, r := range res {
		alloc[i], req[i] = 0, 0
		a, p := amount(ni.Allocatable, r.Name), amount(podReq, r.Name)
		// An extended resource the pod does not ask for says nothing about
		// this pod's fit, so it is left out (upstream).
		if a == 0 || (p == 0 && fw.IsScalarResourceName(r.Name)) {
			continue
		}
		alloc[i] = a
		req[i] = amount(used, r.Name) + p
	}
}

// maxScoredResources bounds the stack buffers; longer lists fall back to heap.
const maxScoredResources = 8

func buffers(n int, a, r *[maxScoredResources]int64) (alloc, req []int64) {
	if n <= maxScoredResources {
		return a[:n], r[:n]
	}
	return make([]int64, n), make([]int64, n)
}

func amount(r *fw.Resource, name v1.ResourceName) int64 {
	switch name {
	case v1.ResourceCPU:
		return r.MilliCPU
	case v1.ResourceMemory:
		return r.Memory
	case v1.ResourceEphemeralStorage:
		return r.EphemeralStorage
	case v1.ResourcePods:
		return int64(r.AllowedPodNumber)
	}
	return r.ScalarResources[name]
}

// weightedScore averages per-resource scores by weight, skipping resources
// the node does not offer.
func weightedScore(alloc, req []int64, res []ResourceWeight, score func(req, alloc int64) int64) int64 {
	var total, weights int64
	for i := range alloc {
		if alloc[i] == 0 {
			continue
		}
		total += score(req[i], alloc[i]) * res[i].Weight
		weights += res[i].Weight
	}
	if weights == 0 {
		return 0
	}
	return total / weights
}

// leastRequested: the share of the node left free, 0 when overcommitted.
func leastRequested(req, alloc int64) int64 {
	if alloc == 0 || req > alloc {
		return 0
	}
	return (alloc - req) * fw.MaxNodeScore / alloc
}

// mostRequested: the share used, capped at full.
func mostRequested(req, alloc int64) int64 {
	if alloc == 0 {
		return 0
	}
	return min(req, alloc) * fw.MaxNodeScore / alloc
}

func sortedScalarNames(m map[v1.ResourceName]int64) []v1.ResourceName {
	out := make([]v1.ResourceName, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
