package framework

import (
	"context"
	"errors"

	v1 "k8s.io/api/core/v1"
)

// ErrNoNodesAvailable is returned for an empty cluster.
var ErrNoNodesAvailable = errors.New("no nodes available to schedule pods")

// ScheduleResult is the outcome of one successful cycle.
type ScheduleResult struct {
	SuggestedHost  string
	EvaluatedNodes int
	FeasibleNodes  int
	// NextStartIndex is where the next cycle should start filtering, so that
	// sampling rotates through the cluster as upstream does.
	NextStartIndex int
}

// Schedule runs one scheduling cycle for pod over snap: PreFilter, Filter
// (parallel, sampled), PreScore, Score, NormalizeScore, weights, selection.
// It is pure apart from the injected Rand. An unschedulable pod yields a
// *FitError carrying the Diagnosis; internal failures a plain error.
func Schedule(ctx context.Context, f *Framework, state *CycleState, pod *v1.Pod, snap *Snapshot, start int) (ScheduleResult, error) {
	if snap.NumNodes() == 0 {
		return ScheduleResult{}, ErrNoNodesAvailable
	}
	d := NewDiagnosis()
	fitErr := func() error { return &FitError{Pod: pod, NumAllNodes: snap.NumNodes(), Diagnosis: d} }

	pre, st := f.RunPreFilterPlugins(ctx, state, pod, snap)
	if !st.IsSuccess() {
		if !st.IsRejected() {
			return ScheduleResult{}, st.AsError()
		}
		d.PreFilterMsg, d.AbsentNodesStatus = st.Message(), st
		d.UnschedulablePlugins.Insert(st.Plugin())
		return ScheduleResult{}, fitErr()
	}
	nodes := preFilterNodes(snap, pre, state, d)
	if len(nodes) == 0 {
		return ScheduleResult{}, fitErr()
	}
	start %= len(nodes)
	want := int(NumFeasibleNodesToFind(f.PercentageOfNodesToScore, int32(len(nodes))))
	feasible, processed, err := f.findFeasibleNodes(ctx, state, pod, nodes, start, want, d)
	if err != nil {
		return ScheduleResult{}, err
	}
	res := ScheduleResult{EvaluatedNodes: processed, FeasibleNodes: len(feasible), NextStartIndex: (start + processed) % len(nodes)}
	if len(feasible) == 0 {
		return res, fitErr()
	}
	// One candidate: scoring cannot change the answer (upstream skips it too).
	if len(feasible) == 1 {
		res.SuggestedHost = feasible[0].NodeName()
		return res, nil
	}
	host, err := f.prioritize(ctx, state, pod, feasible, snap)
	res.SuggestedHost = host
	return res, err
}

func (f *Framework) prioritize(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo, snap *Snapshot) (string, error) {
	if st := f.RunPreScorePlugins(ctx, state, pod, nodes, snap); !st.IsSuccess() {
		return "", st.AsError()
	}
	scores, st := f.RunScorePlugins(ctx, state, pod, nodes)
	if !st.IsSuccess() {
		return "", st.AsError()
	}
	return selectHost(scores, f.Rand), nil
}
