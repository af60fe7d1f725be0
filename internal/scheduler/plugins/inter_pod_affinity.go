package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	fw "orca/internal/scheduler/framework"
)

// InterPodAffinity enforces required pod affinity/anti-affinity (the
// incoming pod's, and existing pods' anti-affinity against the newcomer)
// and scores preferred terms.
type InterPodAffinity struct {
	// HardPodAffinityWeight scores existing pods' required affinity to the
	// incoming pod; upstream default 1.
	HardPodAffinityWeight int32
}

const (
	InterPodAffinityName                       = "InterPodAffinity"
	ErrReasonAffinityRulesNotMatch             = "node(s) didn't match pod affinity rules"
	ErrReasonAntiAffinityRulesNotMatch         = "node(s) didn't match pod anti-affinity rules"
	ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules"
	interPodAffinityFilterKey                  = "PreFilter" + InterPodAffinityName
)

func (InterPodAffinity) Name() string { return InterPodAffinityName }

// affinityState is computed once in PreFilter: per-domain counts so each
// node check is a few map lookups instead of a scan of all pods.
type affinityState struct {
	pod *fw.PodInfo
	// existingAnti: domains holding a pod whose required anti-affinity
	// selects the incoming pod.
	existingAnti pairCounts
	// affinity / anti: domains holding pods matched by the incoming pod's
	// required affinity (all terms) / anti-affinity (any term).
	affinity, anti pairCounts
	// podNS are the labels of the incoming pod's namespace.
	podNS labels.Set
}

func (s *affinityState) Clone() fw.StateData {
	return &affinityState{pod: s.pod, existingAnti: s.existingAnti.clone(), affinity: s.affinity.clone(), anti: s.anti.clone(), podNS: s.podNS}
}

// PreFilter builds the domain counts; Skip when nothing can constrain the pod.
func (InterPodAffinity) PreFilter(_ context.Context, cs *fw.CycleState, pod *v1.Pod, snap *fw.Snapshot) (*fw.PreFilterResult, *fw.Status) {
	pi := fw.NewPodInfo(pod)
	if pi.ParseErr != nil {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, fmt.Sprintf("parsing pod: %+v", pi.ParseErr))
	}
	withAnti := snap.HavePodsWithRequiredAntiAffinityList()
	if len(withAnti) == 0 && len(pi.RequiredAffinityTerms) == 0 && len(pi.RequiredAntiAffinityTerms) == 0 {
		return nil, fw.NewStatus(fw.Skip)
	}
	podNS := snap.NamespaceLabels(pod.Namespace)
	s := &affinityState{pod: pi, existingAnti: pairCounts{}, affinity: pairCounts{}, anti: pairCounts{}, podNS: podNS}
	// Existing replicas share their terms: match each distinct term once.
	selects := map[int32]bool{}
	for _, ni := range withAnti {
		for _, existing := range ni.PodsWithRequiredAntiAffinity {
			for i := range existing.RequiredAntiAffinityTerms {
				t := &existing.RequiredAntiAffinityTerms[i]
				m, seen := selects[t.MatchID]
				if !seen {
					m = t.Matches(pod, podNS)
					selects[t.MatchID] = m
				}
				if m {
					s.existingAnti.add(ni.Node(), t.TopologyKey, 1)
				}
			}
		}
	}
	if len(pi.RequiredAffinityTerms) > 0 || len(pi.RequiredAntiAffinityTerms) > 0 {
		countIncoming(s, snap)
	}
	cs.Write(interPodAffinityFilterKey, s)
	return nil, nil
}

// countIncoming counts, per domain, existing pods selected by the incoming
// pod's required terms.
func countIncoming(s *affinityState, snap *fw.Snapshot) {
	pi := s.pod
	// Pods with the same namespace and labels match alike: decide once.
	type verdict struct {
		affinity bool
		anti     []bool
	}
	seen := map[int32]*verdict{}
	for _, ni := range snap.List() {
		for _, existing := range ni.Pods {
			v := seen[existing.MatchID]
			if v == nil {
				ns := snap.NamespaceLabels(existing.Pod.Namespace)
				v = &verdict{affinity: matchesAllTerms(pi.RequiredAffinityTerms, existing.Pod, ns), anti: make([]bool, len(pi.RequiredAntiAffinityTerms))}
				for i := range pi.RequiredAntiAffinityTerms {
					v.anti[i] = pi.RequiredAntiAffinityTerms[i].Matches(existing.Pod, ns)
				}
				seen[existing.MatchID] = v
			}
			if v.affinity {
				for _, t := range pi.RequiredAffinityTerms {
					s.affinity.add(ni.Node(), t.TopologyKey, 1)
				}
			}
			for i, m := range v.anti {
				if m {
					s.anti.add(ni.Node(), pi.RequiredAntiAffinityTerms[i].TopologyKey, 1)
				}
			}
		}
	}
}

// Filter: failing affinity is unresolvable (evictions can't add matching
// pods); anti-affinity failures may be fixed by preemption.
func (InterPodAffinity) Filter(_ context.Context, cs *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	v, err := cs.Read(interPodAffinityFilterKey)
	if err != nil {
		return fw.AsStatus(err)
	}
	s := v.(*affinityState)
	node := ni.Node()
	if !satisfiesAffinity(s, node) {
		return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)
	}
	if !satisfiesAntiAffinity(s, node) {
		return fw.NewStatus(fw.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)
	}
	if !satisfiesExistingAnti(s, node) {
		return fw.NewStatus(fw.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)
	}
	return nil
}

// satisfiesAffinity: the node must carry every term's topology key and its
// domains must hold a matching pod — except for the first pod of a group
// that selects itself, which may go anywhere with the keys.
func satisfiesAffinity(s *affinityState, node *v1.Node) bool {
	found := true
	for _, t := range s.pod.RequiredAffinityTerms {
		v, ok := node.Labels[t.TopologyKey]
		if !ok {
			return false
		}
		if s.affinity[topologyPair{t.TopologyKey, v}] <= 0 {
			found = false
		}
	}
	if found {
		return true
	}
	return len(s.affinity) == 0 && matchesAllTerms(s.pod.RequiredAffinityTerms, s.pod.Pod, s.podNS)
}

func satisfiesAntiAffinity(s *affinityState, node *v1.Node) bool {
	for _, t := range s.pod.RequiredAntiAffinityTerms {
		if v, ok := node.Labels[t.TopologyKey]; ok && s.anti[topologyPair{t.TopologyKey, v}] > 0 {
			return false
		}
	}
	return true
}

func satisfiesExistingAnti(s *affinityState, node *v1.Node) bool {
	if len(s.existingAnti) == 0 {
		return true
	}
	for k, v := range node.Labels {
		if s.existingAnti[topologyPair{k, v}] > 0 {
			return false
		}
	}
	return true
}
