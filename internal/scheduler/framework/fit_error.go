package framework

import (
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Diagnosis records why each node was rejected in one cycle.
type Diagnosis struct {
	// NodeToStatus holds the status of every node that was evaluated.
	NodeToStatus map[string]*Status
	// AbsentNodesStatus applies to nodes never evaluated (e.g. cut by a
	// PreFilterResult or by PreFilter rejecting the pod).
	AbsentNodesStatus *Status
	// UnschedulablePlugins names plugins that rejected the pod somewhere;
	// a queue uses it to requeue on relevant events only.
	UnschedulablePlugins sets.Set[string]
	// PreFilterMsg is set when PreFilter rejected the pod as a whole.
	PreFilterMsg string
}

// NewDiagnosis returns an empty diagnosis.
func NewDiagnosis() *Diagnosis {
	return &Diagnosis{NodeToStatus: map[string]*Status{}, UnschedulablePlugins: sets.New[string]()}
}

// FitError is returned when no node can host the pod.
type FitError struct {
	Pod         *v1.Pod
	NumAllNodes int
	Diagnosis   *Diagnosis
}

// Error renders upstream's event text, e.g.
// "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}."
// Each reason is counted once per node and the "<count> <reason>" strings
// are sorted lexically (so "10 x" sorts before "2 y", as upstream).
func (f *FitError) Error() string {
	msg := fmt.Sprintf("0/%v nodes are available:", f.NumAllNodes)
	d := f.Diagnosis
	if d.PreFilterMsg != "" {
		return msg + " " + d.PreFilterMsg + "."
	}
	if hist := f.histogram(); len(hist) > 0 {
		msg += " " + strings.Join(hist, ", ") + "."
	}
	return msg
}

func (f *FitError) histogram() []string {
	d := f.Diagnosis
	counts := map[string]int{}
	for _, st := range d.NodeToStatus {
		for _, r := range st.Reasons() {
			counts[r]++
		}
	}
	if absent := f.NumAllNodes - len(d.NodeToStatus); absent > 0 {
		for _, r := range d.AbsentNodesStatus.Reasons() {
			counts[r] += absent
		}
	}
	out := make([]string, 0, len(counts))
	for r, n := range counts {
		out = append(out, fmt.Sprintf("%v %v", n, r))
	}
	sort.Strings(out)
	return out
}
