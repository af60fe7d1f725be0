package framework

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Score bounds every normalised plugin score must fall within.
const (
	MinNodeScore int64 = 0
	MaxNodeScore int64 = 100
)

// Plugin is the common part of every plugin.
type Plugin interface {
	Name() string
}

// PreFilterResult narrows the nodes worth filtering; nil NodeNames = all.
type PreFilterResult struct {
	NodeNames sets.Set[string]
}

// AllNodes reports that the result does not narrow anything.
func (r *PreFilterResult) AllNodes() bool { return r == nil || r.NodeNames == nil }

// Merge intersects two results; "all nodes" is the identity.
func (r *PreFilterResult) Merge(o *PreFilterResult) *PreFilterResult {
	if r.AllNodes() {
		return o
	}
	if o.AllNodes() {
		return r
	}
	return &PreFilterResult{NodeNames: r.NodeNames.Intersection(o.NodeNames)}
}

// PreFilterPlugin runs once per cycle before Filter, to precompute state
// (stored in CycleState) or to reject the pod outright.
type PreFilterPlugin interface {
	Plugin
	PreFilter(ctx context.Context, state *CycleState, pod *v1.Pod, snap *Snapshot) (*PreFilterResult, *Status)
}

// FilterPlugin judges one node; it runs concurrently across nodes, so it
// must only read state.
type FilterPlugin interface {
	Plugin
	Filter(ctx context.Context, state *CycleState, pod *v1.Pod, node *NodeInfo) *Status
}

// PreScorePlugin runs once over the feasible nodes before Score.
type PreScorePlugin interface {
	Plugin
	PreScore(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo, snap *Snapshot) *Status
}

// NodeScore is one node's score from one plugin.
type NodeScore struct {
	Name  string
	Score int64
}

// ScorePlugin ranks one feasible node; concurrent across nodes.
type ScorePlugin interface {
	Plugin
	Score(ctx context.Context, state *CycleState, pod *v1.Pod, node *NodeInfo) (int64, *Status)
	// ScoreExtensions returns nil when raw scores are already in [0, 100].
	ScoreExtensions() ScoreExtensions
}

// ScoreExtensions rescales raw scores once all nodes are scored.
type ScoreExtensions interface {
	NormalizeScore(ctx context.Context, state *CycleState, pod *v1.Pod, scores []NodeScore) *Status
}

// DefaultNormalizeScore scales scores so the best becomes MaxNodeScore;
// reverse flips them, for plugins whose raw score is a penalty count.
func DefaultNormalizeScore(maxPriority int64, reverse bool, scores []NodeScore) {
	var top int64
	for _, s := range scores {
		top = max(top, s.Score)
	}
	if top == 0 {
		if reverse {
			for i := range scores {
				scores[i].Score = maxPriority
			}
		}
		return
	}
	for i := range scores {
		s := maxPriority * scores[i].Score / top
		if reverse {
			s = maxPriority - s
		}
		scores[i].Score = s
	}
}
