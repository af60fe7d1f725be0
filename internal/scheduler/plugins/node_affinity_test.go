package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

func req(key string, op v1.NodeSelectorOperator, vals ...string) v1.NodeSelectorRequirement {
	return v1.NodeSelectorRequirement{Key: key, Operator: op, Values: vals}
}

func requiredAffinity(terms ...v1.NodeSelectorTerm) *v1.Affinity {
	return &v1.Affinity{NodeAffinity: &v1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{NodeSelectorTerms: terms}}}
}

func TestNodeAffinityFilter(t *testing.T) {
	reject := fw.NewStatus(fw.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")
	snap := fw.NewSnapshot(nil, []*v1.Node{mkNode("n1", nil, "zone", "a", "disk", "ssd"), mkNode("n2", nil, "zone", "b")}, nil)
	tests := []struct {
		name     string
		selector map[string]string
		affinity *v1.Affinity
		want     []*fw.Status
	}{
		{"nothing to check", nil, nil, []*fw.Status{nil, nil}},
		{"nodeSelector", map[string]string{"zone": "b"}, nil, []*fw.Status{reject, nil}},
		{"required In", nil, requiredAffinity(v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("zone", v1.NodeSelectorOpIn, "a")}}), []*fw.Status{nil, reject}},
		{"terms are ORed", nil, requiredAffinity(
			v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("zone", v1.NodeSelectorOpIn, "a")}},
			v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("zone", v1.NodeSelectorOpIn, "b")}}), []*fw.Status{nil, nil}},
		{"expressions are ANDed", nil, requiredAffinity(v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{
			req("zone", v1.NodeSelectorOpIn, "a", "b"), req("disk", v1.NodeSelectorOpExists)}}), []*fw.Status{nil, reject}},
		{"DoesNotExist", nil, requiredAffinity(v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("disk", v1.NodeSelectorOpDoesNotExist)}}), []*fw.Status{reject, nil}},
		{"selector and affinity both apply", map[string]string{"zone": "a"}, requiredAffinity(v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("zone", v1.NodeSelectorOpIn, "b")}}), []*fw.Status{reject, reject}},
		{"empty term matches nothing", nil, requiredAffinity(v1.NodeSelectorTerm{}), []*fw.Status{reject, reject}},
		{"matchFields name", nil, requiredAffinity(v1.NodeSelectorTerm{MatchFields: []v1.NodeSelectorRequirement{req("metadata.name", v1.NodeSelectorOpIn, "n2")}}), []*fw.Status{reject, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mkPod("p", nil)
			p.Spec.NodeSelector, p.Spec.Affinity = tc.selector, tc.affinity
			got := filterAll(NodeAffinity{}, p, snap)
			for i := range tc.want {
				checkStatus(t, got[i], tc.want[i])
			}
			// Filter alone (no PreFilter state) must agree.
			for i, ni := range snap.List() {
				checkStatus(t, NodeAffinity{}.Filter(ctx, fw.NewCycleState(), p, ni), tc.want[i])
			}
		})
	}
}

func TestNodeAffinityPreFilterNarrows(t *testing.T) {
	name := func(vals ...string) v1.NodeSelectorTerm {
		return v1.NodeSelectorTerm{MatchFields: []v1.NodeSelectorRequirement{req("metadata.name", v1.NodeSelectorOpIn, vals...)}}
	}
	tests := []struct {
		name  string
		terms []v1.NodeSelectorTerm
		want  []string // nil = all nodes
		st    *fw.Status
	}{
		{"union of terms", []v1.NodeSelectorTerm{name("a", "b"), name("c")}, []string{"a", "b", "c"}, nil},
		{"a term without names allows all", []v1.NodeSelectorTerm{name("a"), {MatchExpressions: []v1.NodeSelectorRequirement{req("x", v1.NodeSelectorOpExists)}}}, nil, nil},
		{"intersection within a term", []v1.NodeSelectorTerm{{MatchFields: []v1.NodeSelectorRequirement{req("metadata.name", v1.NodeSelectorOpIn, "a", "b"), req("metadata.name", v1.NodeSelectorOpIn, "b")}}}, []string{"b"}, nil},
		{"conflict", []v1.NodeSelectorTerm{{MatchFields: []v1.NodeSelectorRequirement{req("metadata.name", v1.NodeSelectorOpIn, "a"), req("metadata.name", v1.NodeSelectorOpIn, "b")}}}, nil,
			fw.NewStatus(fw.UnschedulableAndUnresolvable, "pod affinity terms conflict")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mkPod("p", nil)
			p.Spec.Affinity = requiredAffinity(tc.terms...)
			r, st := NodeAffinity{}.PreFilter(ctx, fw.NewCycleState(), p, nil)
			checkStatus(t, st, tc.st)
			if tc.st != nil {
				return
			}
			if tc.want == nil != r.AllNodes() || (tc.want != nil && !r.NodeNames.HasAll(tc.want...)) || (tc.want != nil && r.NodeNames.Len() != len(tc.want)) {
				t.Errorf("result %v, want %v", r, tc.want)
			}
		})
	}
	if _, st := (NodeAffinity{}).PreFilter(ctx, fw.NewCycleState(), mkPod("p", nil), nil); !st.IsSkip() {
		t.Error("pod without affinity should skip")
	}
}

func TestNodeAffinityScore(t *testing.T) {
	snap := fw.NewSnapshot(nil, []*v1.Node{mkNode("n1", nil, "zone", "a"), mkNode("n2", nil, "zone", "b", "disk", "ssd"), mkNode("n3", nil)}, nil)
	p := mkPod("p", nil)
	p.Spec.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.PreferredSchedulingTerm{
		{Weight: 2, Preference: v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("zone", v1.NodeSelectorOpIn, "a")}}},
		{Weight: 3, Preference: v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("zone", v1.NodeSelectorOpIn, "b")}}},
		{Weight: 5, Preference: v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("disk", v1.NodeSelectorOpExists)}}},
	}}}
	// raw 2, 8, 0 -> normalised 25, 100, 0.
	if got := scoreAll(t, NodeAffinity{}, p, snap); got[0] != 25 || got[1] != 100 || got[2] != 0 {
		t.Errorf("scores = %v", got)
	}
	if got := scoreAll(t, NodeAffinity{}, mkPod("q", nil), snap); got[0]+got[1]+got[2] != 0 {
		t.Errorf("no preferences: %v", got)
	}
}
