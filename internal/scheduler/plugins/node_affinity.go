package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	fw "orca/internal/scheduler/framework"
)

// NodeAffinity enforces spec.nodeSelector and required node affinity, and
// scores preferred node affinity terms. Selector parsing and matching come
// from k8s.io/component-helpers so semantics equal the API's.
type NodeAffinity struct{}

const (
	NodeAffinityName              = "NodeAffinity"
	ErrReasonNodeAffinity         = "node(s) didn't match Pod's node affinity/selector"
	errReasonNodeAffinityConflict = "pod affinity terms conflict"
	nodeAffinityFilterKey         = "PreFilter" + NodeAffinityName
	nodeAffinityScoreKey          = "PreScore" + NodeAffinityName
)

func (NodeAffinity) Name() string { return NodeAffinityName }

type nodeAffinityState struct {
	required nodeaffinity.RequiredNodeAffinity
}

func (s *nodeAffinityState) Clone() fw.StateData { return s }

type nodeAffinityScoreState struct {
	preferred *nodeaffinity.PreferredSchedulingTerms
}

func (s *nodeAffinityScoreState) Clone() fw.StateData { return s }

// PreFilter compiles the selectors once and, when every required term pins
// metadata.name, narrows the cycle to those nodes.
func (NodeAffinity) PreFilter(_ context.Context, cs *fw.CycleState, pod *v1.Pod, _ *fw.Snapshot) (*fw.PreFilterResult, *fw.Status) {
	req := requiredNodeSelector(pod)
	if req == nil && pod.Spec.NodeSelector == nil {
		return nil, fw.NewStatus(fw.Skip)
	}
	cs.Write(nodeAffinityFilterKey, &nodeAffinityState{required: nodeaffinity.GetRequiredNodeAffinity(pod)})
	if req == nil {
		return nil, nil
	}
	names := nodeNamesFromTerms(req.NodeSelectorTerms)
	if names != nil && names.Len() == 0 {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, errReasonNodeAffinityConflict)
	}
	if names.Len() > 0 {
		return &fw.PreFilterResult{NodeNames: names}, nil
	}
	return nil, nil
}

func requiredNodeSelector(pod *v1.Pod) *v1.NodeSelector {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return nil
	}
	return a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

// nodeNamesFromTerms returns the union over ORed terms of the node names
// each term pins with "metadata.name In"; nil when some term does not pin
// names (then every node may match).
func nodeNamesFromTerms(terms []v1.NodeSelectorTerm) sets.Set[string] {
	var union sets.Set[string]
	for _, t := range terms {
		var term sets.Set[string]
		for _, r := range t.MatchFields {
			if r.Key != metav1.ObjectNameField || r.Operator != v1.NodeSelectorOpIn {
				continue
			}
			if term == nil {
				term = sets.New(r.Values...)
			} else {
				term = term.Intersection(sets.New(r.Values...))
			}
		}
		if term == nil {
			return nil
		}
		union = union.Union(term)
	}
	return union
}

// Filter: a mismatching node can't change by preemption, hence unresolvable.
func (NodeAffinity) Filter(_ context.Context, cs *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	var req nodeaffinity.RequiredNodeAffinity
	if v, err := cs.Read(nodeAffinityFilterKey); err == nil {
		req = v.(*nodeAffinityState).required
	} else {
		req = nodeaffinity.GetRequiredNodeAffinity(pod)
	}
	// Parse errors count as no match, as upstream (validation prevents them).
	if ok, _ := req.Match(ni.Node()); !ok {
		return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNodeAffinity)
	}
	return nil
}

// PreScore compiles the preferred terms; Skip when there are none.
func (NodeAffinity) PreScore(_ context.Context, cs *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo, _ *fw.Snapshot) *fw.Status {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	terms, err := nodeaffinity.NewPreferredSchedulingTerms(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	if err != nil {
		return fw.AsStatus(err)
	}
	cs.Write(nodeAffinityScoreKey, &nodeAffinityScoreState{preferred: terms})
	return nil
}

// Score sums the weights of matching preferred terms.
func (NodeAffinity) Score(_ context.Context, cs *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	v, err := cs.Read(nodeAffinityScoreKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	return v.(*nodeAffinityScoreState).preferred.Score(ni.Node()), nil
}

func (p NodeAffinity) ScoreExtensions() fw.ScoreExtensions { return p }

// NormalizeScore scales so the best-matching node gets MaxNodeScore.
func (NodeAffinity) NormalizeScore(_ context.Context, _ *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	fw.DefaultNormalizeScore(fw.MaxNodeScore, false, scores)
	return nil
}
