package plugins

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	fw "orca/internal/scheduler/framework"
)

const interPodAffinityScoreKey = "PreScore" + InterPodAffinityName

// topologyScore is the preference accumulated per topology domain; a node
// scores the sum over the domains it belongs to.
type topologyScore struct{ m pairCounts }

func (s *topologyScore) Clone() fw.StateData { return s }

// PreScore accumulates preferences from both sides: the incoming pod's
// preferred terms over existing pods, and existing pods' required (at
// HardPodAffinityWeight) and preferred terms over the incoming pod.
func (p InterPodAffinity) PreScore(_ context.Context, cs *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo, snap *fw.Snapshot) *fw.Status {
	pi := fw.NewPodInfo(pod)
	if pi.ParseErr != nil {
		return fw.AsStatus(pi.ParseErr)
	}
	own := len(pi.PreferredAffinityTerms) > 0 || len(pi.PreferredAntiAffinityTerms) > 0
	// Without own preferences only pods with affinity can contribute.
	nodes := snap.HavePodsWithAffinityList()
	if own {
		nodes = snap.List()
	}
	podNS := snap.NamespaceLabels(pod.Namespace)
	score := pairCounts{}
	for _, ni := range nodes {
		pods := ni.PodsWithAffinity
		if own {
			pods = ni.Pods
		}
		for _, existing := range pods {
			// Required anti-affinity alone is a filter, never a score.
			if !own && len(existing.RequiredAffinityTerms) == 0 && len(existing.PreferredAffinityTerms) == 0 && len(existing.PreferredAntiAffinityTerms) == 0 {
				continue
			}
			p.scoreExisting(score, pi, podNS, existing, ni.Node(), snap.NamespaceLabels(existing.Pod.Namespace))
		}
	}
	if len(score) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	cs.Write(interPodAffinityScoreKey, &topologyScore{m: score})
	return nil
}

func (p InterPodAffinity) scoreExisting(score pairCounts, in *fw.PodInfo, inNS labels.Set, ex *fw.PodInfo, node *v1.Node, exNS labels.Set) {
	addWeighted(score, in.PreferredAffinityTerms, ex.Pod, exNS, node, 1)
	addWeighted(score, in.PreferredAntiAffinityTerms, ex.Pod, exNS, node, -1)
	hard := p.HardPodAffinityWeight
	if hard == 0 {
		hard = 1
	}
	for i := range ex.RequiredAffinityTerms {
		if t := &ex.RequiredAffinityTerms[i]; t.Matches(in.Pod, inNS) {
			score.add(node, t.TopologyKey, int64(hard))
		}
	}
	addWeighted(score, ex.PreferredAffinityTerms, in.Pod, inNS, node, 1)
	addWeighted(score, ex.PreferredAntiAffinityTerms, in.Pod, inNS, node, -1)
}

// addWeighted adds sign*weight to node's domain for each term selecting pod.
func addWeighted(score pairCounts, terms []fw.WeightedAffinityTerm, pod *v1.Pod, ns labels.Set, node *v1.Node, sign int64) {
	for i := range terms {
		if terms[i].Matches(pod, ns) {
			score.add(node, terms[i].TopologyKey, sign*int64(terms[i].Weight))
		}
	}
}

// Score sums the preferences of the domains the node belongs to.
func (InterPodAffinity) Score(_ context.Context, cs *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	v, err := cs.Read(interPodAffinityScoreKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	var total int64
	for k, val := range ni.Node().Labels {
		total += v.(*topologyScore).m[topologyPair{k, val}]
	}
	return total, nil
}

func (p InterPodAffinity) ScoreExtensions() fw.ScoreExtensions { return p }

// NormalizeScore maps [min, max] onto [0, 100]; raw scores may be negative.
func (InterPodAffinity) NormalizeScore(_ context.Context, _ *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range scores {
		lo, hi = min(lo, s.Score), max(hi, s.Score)
	}
	for i := range scores {
		var f float64
		if hi > lo {
			f = float64(fw.MaxNodeScore) * float64(scores[i].Score-lo) / float64(hi-lo)
		}
		scores[i].Score = int64(f)
	}
	return nil
}
