package plugins

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	fw "orca/internal/scheduler/framework"
)

const spreadScoreKey = "PreScore" + PodTopologySpreadName

// spreadScoreState holds per-domain counts for the soft constraints.
type spreadScoreState struct {
	constraints []spreadConstraint
	// ignored: feasible nodes lacking a topology key while the pod pins
	// nodes by selector/affinity; they score 0 after normalisation.
	ignored sets.Set[string]
	counts  pairCounts
	// weight[i] = log(#domains + 2): a constraint over many domains (e.g.
	// hostname) must not drown one over few (e.g. zone).
	weight []float64
}

func (s *spreadScoreState) Clone() fw.StateData { return s }

// PreScore counts matching pods per domain, for domains of feasible nodes
// only; hostname domains are counted per node in Score instead.
func (PodTopologySpread) PreScore(_ context.Context, cs *fw.CycleState, pod *v1.Pod, feasible []*fw.NodeInfo, snap *fw.Snapshot) *fw.Status {
	constraints, err := spreadConstraints(pod, v1.ScheduleAnyway)
	if err != nil {
		return fw.AsStatus(err)
	}
	if len(constraints) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	s := &spreadScoreState{constraints: constraints, ignored: sets.New[string](), counts: pairCounts{}}
	requireAll := len(pod.Spec.NodeSelector) > 0 || requiredNodeSelector(pod) != nil
	s.initDomains(feasible, requireAll)
	req := nodeaffinity.GetRequiredNodeAffinity(pod)
	memos := newMemos(len(constraints))
	for _, ni := range snap.List() {
		node := ni.Node()
		if requireAll && !hasAllKeys(node, constraints) {
			continue
		}
		for i := range constraints {
			c := &constraints[i]
			pair := topologyPair{c.TopologyKey, node.Labels[c.TopologyKey]}
			if _, ok := s.counts[pair]; ok && c.includes(pod, node, req) {
				s.counts[pair] += countMatching(ni.Pods, c.Selector, pod.Namespace, memos[i])
			}
		}
	}
	cs.Write(spreadScoreKey, s)
	return nil
}

// initDomains registers the domains of the feasible nodes and the
// normalising weight of each constraint. As upstream, a node without the
// key (when not ignored) registers the empty-valued domain.
func (s *spreadScoreState) initDomains(feasible []*fw.NodeInfo, requireAll bool) {
	size := make([]int, len(s.constraints))
	for _, ni := range feasible {
		node := ni.Node()
		if requireAll && !hasAllKeys(node, s.constraints) {
			s.ignored.Insert(node.Name)
			continue
		}
		for i, c := range s.constraints {
			if c.TopologyKey == v1.LabelHostname {
				continue
			}
			pair := topologyPair{c.TopologyKey, node.Labels[c.TopologyKey]}
			if _, ok := s.counts[pair]; !ok {
				s.counts[pair] = 0
				size[i]++
			}
		}
	}
	s.weight = make([]float64, len(s.constraints))
	for i, c := range s.constraints {
		if c.TopologyKey == v1.LabelHostname {
			size[i] = len(feasible) - s.ignored.Len()
		}
		s.weight[i] = math.Log(float64(size[i] + 2))
	}
}

// Score: the more matching pods already in the node's domains, the higher
// the raw score; NormalizeScore inverts it.
func (PodTopologySpread) Score(_ context.Context, cs *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	v, err := cs.Read(spreadScoreKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	s := v.(*spreadScoreState)
	node := ni.Node()
	if s.ignored.Has(node.Name) {
		return 0, nil
	}
	var score float64
	for i, c := range s.constraints {
		val, ok := node.Labels[c.TopologyKey]
		if !ok {
			continue
		}
		n := s.counts[topologyPair{c.TopologyKey, val}]
		if c.TopologyKey == v1.LabelHostname {
			n = countMatching(ni.Pods, c.Selector, pod.Namespace, nil) // Score runs in parallel: no shared memo
		}
		// maxSkew-1 lifts constraints with a loose skew towards "don't care".
		score += float64(n)*s.weight[i] + float64(c.MaxSkew-1)
	}
	return int64(math.Round(score)), nil
}

func (p PodTopologySpread) ScoreExtensions() fw.ScoreExtensions { return p }

// NormalizeScore maps the fewest matches to 100; ignored nodes get 0.
func (PodTopologySpread) NormalizeScore(_ context.Context, cs *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	v, err := cs.Read(spreadScoreKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	s := v.(*spreadScoreState)
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, sc := range scores {
		if !s.ignored.Has(sc.Name) {
			lo, hi = min(lo, sc.Score), max(hi, sc.Score)
		}
	}
	for i := range scores {
		switch {
		case s.ignored.Has(scores[i].Name):
			scores[i].Score = 0
		case hi == 0:
			scores[i].Score = fw.MaxNodeScore
		default:
			scores[i].Score = fw.MaxNodeScore * (hi + lo - scores[i].Score) / hi
		}
	}
	return nil
}
