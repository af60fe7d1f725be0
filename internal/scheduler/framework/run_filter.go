package framework

import (
	"context"

	v1 "k8s.io/api/core/v1"
)

// findFeasibleNodes filters nodes starting at start (rotating between
// cycles so sampling does not always favour the first nodes) and stops once
// want feasible nodes are found. Nodes are evaluated in parallel batches but
// accepted strictly in order, so the result is the same as a sequential
// scan: deterministic for a given input. It returns the feasible nodes and
// how many nodes were consumed.
func (f *Framework) findFeasibleNodes(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo, start, want int, d *Diagnosis) ([]*NodeInfo, int, error) {
	n := len(nodes)
	feasible := make([]*NodeInfo, 0, want)
	batch := max(want, 64)
	statuses := make([]*Status, min(batch, n))
	filters := f.activeFilters(state)
	processed := 0
	for processed < n && len(feasible) < want {
		size := min(batch, n-processed)
		base := start + processed
		parallelize(ctx, f.Parallelism, size, func(i int) {
			statuses[i] = runFilters(ctx, filters, state, pod, nodes[(base+i)%n])
		})
		if err := ctx.Err(); err != nil {
			return nil, processed, err
		}
		for i := 0; i < size && len(feasible) < want; i++ {
			ni := nodes[(base+i)%n]
			if err := f.record(ni, statuses[i], d); err != nil {
				return nil, processed, err
			}
			if statuses[i].IsSuccess() {
				feasible = append(feasible, ni)
			}
			processed++
		}
	}
	return feasible, processed, nil
}

// record files a filter status in the diagnosis; internal errors abort.
func (f *Framework) record(ni *NodeInfo, st *Status, d *Diagnosis) error {
	switch {
	case st.IsSuccess():
		return nil
	case st.Code() == Error:
		return st.AsError()
	default:
		d.NodeToStatus[ni.NodeName()] = st
		d.UnschedulablePlugins.Insert(st.Plugin())
		return nil
	}
}
