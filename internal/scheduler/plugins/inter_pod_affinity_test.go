package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fw "orca/internal/scheduler/framework"
)

func term(key string, app string) v1.PodAffinityTerm {
	return v1.PodAffinityTerm{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}
}

func withPodAffinity(p *v1.Pod, aff, anti []v1.PodAffinityTerm) *v1.Pod {
	p.Spec.Affinity = &v1.Affinity{}
	if aff != nil {
		p.Spec.Affinity.PodAffinity = &v1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: aff}
	}
	if anti != nil {
		p.Spec.Affinity.PodAntiAffinity = &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: anti}
	}
	return p
}

// affinityNodes: n1,n2 in zone a; n3 in zone b; n4 without a zone.
func affinityNodes() []*v1.Node {
	return []*v1.Node{mkNode("n1", nil, "zone", "a"), mkNode("n2", nil, "zone", "a"), mkNode("n3", nil, "zone", "b"), mkNode("n4", nil)}
}

func TestInterPodAffinityFilter(t *testing.T) {
	const zone, host = "zone", v1.LabelHostname
	aff := fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)
	anti := fw.NewStatus(fw.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)
	exist := fw.NewStatus(fw.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)
	db := func() *v1.Pod { return onNode(withLabels(mkPod("db", nil), "app", "db"), "n1") }
	otherNS := term(zone, "db")
	otherNS.Namespaces = []string{"other"}
	nsSel := term(zone, "db")
	nsSel.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	nsSelMiss := term(zone, "db")
	nsSelMiss.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "b"}}
	tests := []struct {
		name     string
		pod      *v1.Pod
		existing []*v1.Pod
		want     []*fw.Status
	}{
		{"affinity by zone", withPodAffinity(mkPod("p", nil), []v1.PodAffinityTerm{term(zone, "db")}, nil), []*v1.Pod{db()},
			[]*fw.Status{nil, nil, aff, aff}},
		{"affinity by hostname", withPodAffinity(mkPod("p", nil), []v1.PodAffinityTerm{term(host, "db")}, nil), []*v1.Pod{db()},
			[]*fw.Status{nil, aff, aff, aff}},
		{"anti-affinity by zone", withPodAffinity(mkPod("p", nil), nil, []v1.PodAffinityTerm{term(zone, "db")}), []*v1.Pod{db()},
			[]*fw.Status{anti, anti, nil, nil}},
		{"existing pod's anti-affinity", withLabels(mkPod("p", nil), "app", "web"),
			[]*v1.Pod{db(), onNode(withPodAffinity(mkPod("x", nil), nil, []v1.PodAffinityTerm{term(zone, "web")}), "n3")},
			[]*fw.Status{nil, nil, exist, nil}},
		{"existing anti-affinity not selecting the pod", withLabels(mkPod("p", nil), "app", "api"),
			[]*v1.Pod{onNode(withPodAffinity(mkPod("x", nil), nil, []v1.PodAffinityTerm{term(zone, "web")}), "n3")},
			[]*fw.Status{nil, nil, nil, nil}},
		{"first pod of a self-affine group", withPodAffinity(withLabels(mkPod("p", nil), "app", "web"), []v1.PodAffinityTerm{term(zone, "web")}, nil), []*v1.Pod{db()},
			[]*fw.Status{nil, nil, nil, aff}},
		{"no match and not self-affine", withPodAffinity(mkPod("p", nil), []v1.PodAffinityTerm{term(zone, "web")}, nil), []*v1.Pod{db()},
			[]*fw.Status{aff, aff, aff, aff}},
		{"namespaces exclude default", withPodAffinity(mkPod("p", nil), []v1.PodAffinityTerm{otherNS}, nil), []*v1.Pod{db()},
			[]*fw.Status{aff, aff, aff, aff}},
		{"namespaceSelector matches", withPodAffinity(mkPod("p", nil), []v1.PodAffinityTerm{nsSel}, nil), []*v1.Pod{db()},
			[]*fw.Status{nil, nil, aff, aff}},
		{"namespaceSelector misses", withPodAffinity(mkPod("p", nil), []v1.PodAffinityTerm{nsSelMiss}, nil), []*v1.Pod{db()},
			[]*fw.Status{aff, aff, aff, aff}},
		{"affinity checked before anti-affinity", withPodAffinity(mkPod("p", nil), []v1.PodAffinityTerm{term(zone, "db")}, []v1.PodAffinityTerm{term(host, "db")}), []*v1.Pod{db()},
			[]*fw.Status{anti, nil, aff, aff}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := fw.NewSnapshot(tc.existing, affinityNodes(), map[string]map[string]string{"default": {"team": "a"}})
			got := filterAll(InterPodAffinity{}, tc.pod, snap)
			for i := range tc.want {
				checkStatus(t, got[i], tc.want[i])
			}
		})
	}
	snap := fw.NewSnapshot(nil, affinityNodes(), nil)
	if _, st := (InterPodAffinity{}).PreFilter(ctx, fw.NewCycleState(), mkPod("p", nil), snap); !st.IsSkip() {
		t.Errorf("plain pod in a cluster without anti-affinity should skip, got %v", st)
	}
}

func TestInterPodAffinityScore(t *testing.T) {
	p := withLabels(mkPod("p", nil), "app", "web")
	p.Spec.Affinity = &v1.Affinity{
		PodAffinity:     &v1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 10, PodAffinityTerm: term("zone", "db")}}},
		PodAntiAffinity: &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 5, PodAffinityTerm: term(v1.LabelHostname, "cache")}}},
	}
	existing := []*v1.Pod{onNode(withLabels(mkPod("db", nil), "app", "db"), "n1"), onNode(withLabels(mkPod("c", nil), "app", "cache"), "n2")}
	snap := fw.NewSnapshot(existing, affinityNodes(), nil)
	// raw: n1 10, n2 10-5, n3 0, n4 0 -> 100, 50, 0, 0
	if got := scoreAll(t, InterPodAffinity{}, p, snap); got[0] != 100 || got[1] != 50 || got[2] != 0 || got[3] != 0 {
		t.Errorf("scores = %v", got)
	}
	// Existing pods' required affinity attracts the incoming pod (hard weight),
	// their preferred anti-affinity repels it.
	attract := onNode(withPodAffinity(mkPod("x", nil), []v1.PodAffinityTerm{term("zone", "web")}, nil), "n3")
	repel := onNode(mkPod("y", nil), "n1")
	repel.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 3, PodAffinityTerm: term("zone", "web")}}}}
	snap = fw.NewSnapshot([]*v1.Pod{attract, repel}, affinityNodes(), nil)
	// raw: n1 -3, n2 -3, n3 +1, n4 0 -> 0, 0, 100, 75
	if got := scoreAll(t, InterPodAffinity{}, withLabels(mkPod("q", nil), "app", "web"), snap); got[0] != 0 || got[1] != 0 || got[2] != 100 || got[3] != 75 {
		t.Errorf("scores = %v", got)
	}
	if got := scoreAll(t, InterPodAffinity{}, mkPod("plain", nil), fw.NewSnapshot(nil, affinityNodes(), nil)); got[0] != 0 {
		t.Errorf("no affinity anywhere: %v", got)
	}
}
