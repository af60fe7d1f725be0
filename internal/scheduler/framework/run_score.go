package framework

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
)

// RunPreScorePlugins runs PreScore in order; Skip disables that plugin's
// Score for this cycle.
func (f *Framework) RunPreScorePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo, snap *Snapshot) *Status {
	for _, pl := range f.preScore {
		st := pl.PreScore(ctx, state, pod, nodes, snap)
		if st.IsSkip() {
			state.skipScore[pl.Name()] = true
			continue
		}
		if !st.IsSuccess() {
			return AsStatus(fmt.Errorf("running PreScore plugin %q: %w", pl.Name(), st.AsError())).WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunScorePlugins returns the weighted total score of every node, in the
// order of nodes. Each plugin scores all nodes (in parallel), is
// normalised, range-checked and multiplied by its weight.
func (f *Framework) RunScorePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) ([]NodeScore, *Status) {
	totals := make([]NodeScore, len(nodes))
	for i, ni := range nodes {
		totals[i].Name = ni.NodeName()
	}
	scores := make([]NodeScore, len(nodes))
	errs := make([]*Status, len(nodes))
	for _, pl := range f.score {
		if state.skipScore[pl.Name()] {
			continue
		}
		parallelize(ctx, f.Parallelism, len(nodes), func(i int) {
			s, st := pl.Score(ctx, state, pod, nodes[i])
			scores[i] = NodeScore{Name: nodes[i].NodeName(), Score: s}
			errs[i] = st
		})
		if st := firstError(pl.Name(), errs); st != nil {
			return nil, st
		}
		if ext := pl.ScoreExtensions(); ext != nil {
			if st := ext.NormalizeScore(ctx, state, pod, scores); !st.IsSuccess() {
				return nil, AsStatus(fmt.Errorf("running Normalize on Score plugin %q: %w", pl.Name(), st.AsError()))
			}
		}
		w := f.scoreWeights[pl.Name()]
		for i := range scores {
			if s := scores[i].Score; s < MinNodeScore || s > MaxNodeScore {
				return nil, AsStatus(fmt.Errorf("plugin %q returns an invalid score %v, it should in the range of [%v, %v] after normalizing", pl.Name(), s, MinNodeScore, MaxNodeScore))
			}
			totals[i].Score += scores[i].Score * w
		}
	}
	return totals, nil
}

func firstError(plugin string, sts []*Status) *Status {
	for _, st := range sts {
		if !st.IsSuccess() {
			return AsStatus(fmt.Errorf("running Score plugin %q: %w", plugin, st.AsError())).WithPlugin(plugin)
		}
	}
	return nil
}

// selectHost picks the highest total; ties are broken uniformly at random
// by reservoir sampling, so each tied node has equal odds in one pass.
func selectHost(scores []NodeScore, rnd Rand) string {
	best := scores[0]
	ties := 1
	for _, s := range scores[1:] {
		switch {
		case s.Score > best.Score:
			best, ties = s, 1
		case s.Score == best.Score:
			ties++
			if rnd != nil && rnd.IntN(ties) == 0 {
				best = s
			}
		}
	}
	return best.Name
}
