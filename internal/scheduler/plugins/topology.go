package plugins

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	fw "orca/internal/scheduler/framework"
)

// topologyPair is one topology domain: a node label key and its value.
type topologyPair struct {
	key, value string
}

// pairCounts counts matching pods per topology domain.
type pairCounts map[topologyPair]int64

// add bumps the domain of node for key, if the node carries the key.
func (m pairCounts) add(node *v1.Node, key string, delta int64) {
	if v, ok := node.Labels[key]; ok {
		m[topologyPair{key, v}] += delta
	}
}

func (m pairCounts) clone() pairCounts {
	out := make(pairCounts, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// matchesAllTerms: an existing pod counts for the incoming pod's affinity
// only if it satisfies every required term at once (upstream semantics).
func matchesAllTerms(terms []fw.AffinityTerm, pod *v1.Pod, nsLabels labels.Set) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].Matches(pod, nsLabels) {
			return false
		}
	}
	return true
}
