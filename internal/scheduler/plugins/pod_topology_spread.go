package plugins

import (
	"context"
	"fmt"
	"math"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	fw "orca/internal/scheduler/framework"
)

// PodTopologySpread keeps matching pods evenly spread across topology
// domains: a hard limit for DoNotSchedule constraints (Filter) and a
// preference for ScheduleAnyway ones (Score).
type PodTopologySpread struct{}

const (
	PodTopologySpreadName        = "PodTopologySpread"
	ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints"
	ErrReasonNodeLabelNotMatch   = ErrReasonConstraintsNotMatch + " (missing required label)"
	spreadFilterKey              = "PreFilter" + PodTopologySpreadName
)

func (PodTopologySpread) Name() string { return PodTopologySpreadName }

// spreadConstraint is a parsed TopologySpreadConstraint with API defaults
// applied (minDomains 1, nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore).
type spreadConstraint struct {
	MaxSkew       int32
	TopologyKey   string
	Selector      labels.Selector
	MinDomains    int32
	HonorAffinity bool
	HonorTaints   bool
}

// spreadConstraints parses the pod's constraints with the given action.
// matchLabelKeys become "key in (pod's value)" requirements.
func spreadConstraints(pod *v1.Pod, action v1.UnsatisfiableConstraintAction) ([]spreadConstraint, error) {
	var out []spreadConstraint
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return nil, err
		}
		for _, k := range c.MatchLabelKeys {
			if v, ok := pod.Labels[k]; ok {
				r, err := labels.NewRequirement(k, selection.In, []string{v})
				if err != nil {
					return nil, err
				}
				sel = sel.Add(*r)
			}
		}
		sc := spreadConstraint{MaxSkew: c.MaxSkew, TopologyKey: c.TopologyKey, Selector: sel, MinDomains: 1,
			HonorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == v1.NodeInclusionPolicyHonor,
			HonorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == v1.NodeInclusionPolicyHonor}
		if c.MinDomains != nil {
			sc.MinDomains = *c.MinDomains
		}
		out = append(out, sc)
	}
	return out, nil
}

// includes applies the node inclusion policies: only nodes the pod could
// land on by affinity (and, if asked, by taints) form domains.
func (c *spreadConstraint) includes(pod *v1.Pod, node *v1.Node, req nodeaffinity.RequiredNodeAffinity) bool {
	if c.HonorAffinity {
		if ok, _ := req.Match(node); !ok {
			return false
		}
	}
	if c.HonorTaints {
		for i := range node.Spec.Taints {
			t := &node.Spec.Taints[i]
			if (t.Effect == v1.TaintEffectNoSchedule || t.Effect == v1.TaintEffectNoExecute) && !tolerates(pod.Spec.Tolerations, t) {
				return false
			}
		}
	}
	return true
}

func hasAllKeys(node *v1.Node, cs []spreadConstraint) bool {
	for _, c := range cs {
		if _, ok := node.Labels[c.TopologyKey]; !ok {
			return false
		}
	}
	return true
}

// countMatching counts pods in ns selected by sel, ignoring terminating
// pods (they are about to free their spot). memo, when not nil, remembers
// the verdict per namespace and label set across calls with the same sel:
// replicas share labels, so a cycle matches each distinct set once.
func countMatching(pods []*fw.PodInfo, sel labels.Selector, ns string, memo map[int32]bool) int64 {
	var n int64
	for _, pi := range pods {
		p := pi.Pod
		if p.DeletionTimestamp != nil || p.Namespace != ns {
			continue
		}
		m, seen := memo[pi.MatchID]
		if !seen {
			m = sel.Matches(labels.Set(p.Labels))
			if memo != nil {
				memo[pi.MatchID] = m
			}
		}
		if m {
			n++
		}
	}
	return n
}

func newMemos(n int) []map[int32]bool {
	out := make([]map[int32]bool, n)
	for i := range out {
		out[i] = map[int32]bool{}
	}
	return out
}

// spreadState holds per-domain counts for the hard constraints.
type spreadState struct {
	constraints []spreadConstraint
	counts      pairCounts
	domains     map[string]int   // domains per topology key
	minimum     map[string]int64 // smallest domain count per key
}

func (s *spreadState) Clone() fw.StateData { return s }

// PreFilter counts matching pods per eligible domain (empty domains count
// as 0, which is what makes a lagging domain the minimum).
func (PodTopologySpread) PreFilter(_ context.Context, cs *fw.CycleState, pod *v1.Pod, snap *fw.Snapshot) (*fw.PreFilterResult, *fw.Status) {
	constraints, err := spreadConstraints(pod, v1.DoNotSchedule)
	if err != nil {
		return nil, fw.AsStatus(fmt.Errorf("obtaining pod's hard topology spread constraints: %w", err))
	}
	if len(constraints) == 0 {
		return nil, fw.NewStatus(fw.Skip)
	}
	s := &spreadState{constraints: constraints, counts: pairCounts{}, domains: map[string]int{}, minimum: map[string]int64{}}
	req := nodeaffinity.GetRequiredNodeAffinity(pod)
	memos := newMemos(len(constraints))
	for _, ni := range snap.List() {
		node := ni.Node()
		if !hasAllKeys(node, constraints) {
			continue
		}
		for i := range constraints {
			c := &constraints[i]
			if c.includes(pod, node, req) {
				s.counts[topologyPair{c.TopologyKey, node.Labels[c.TopologyKey]}] += countMatching(ni.Pods, c.Selector, pod.Namespace, memos[i])
			}
		}
	}
	for pair, n := range s.counts {
		s.domains[pair.key]++
		if m, ok := s.minimum[pair.key]; !ok || n < m {
			s.minimum[pair.key] = n
		}
	}
	cs.Write(spreadFilterKey, s)
	return nil, nil
}

// minMatch is the global minimum for key; with fewer domains than
// minDomains it is 0, so pods cannot pile into the existing domains.
func (s *spreadState) minMatch(c *spreadConstraint) int64 {
	if s.domains[c.TopologyKey] < int(c.MinDomains) {
		return 0
	}
	if m, ok := s.minimum[c.TopologyKey]; ok {
		return m
	}
	return math.MaxInt32 // no eligible domain: nothing to be skewed against
}

// Filter: matching + self - global minimum must not exceed maxSkew.
func (PodTopologySpread) Filter(_ context.Context, cs *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	v, err := cs.Read(spreadFilterKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	s := v.(*spreadState)
	node := ni.Node()
	for i := range s.constraints {
		c := &s.constraints[i]
		val, ok := node.Labels[c.TopologyKey]
		if !ok {
			return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch)
		}
		var self int64
		if c.Selector.Matches(labels.Set(pod.Labels)) {
			self = 1
		}
		if s.counts[topologyPair{c.TopologyKey, val}]+self-s.minMatch(c) > int64(c.MaxSkew) {
			return fw.NewStatus(fw.Unschedulable, ErrReasonConstraintsNotMatch)
		}
	}
	return nil
}
