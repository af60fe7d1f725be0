package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fw "orca/internal/scheduler/framework"
)

func spread(key string, skew int32, when v1.UnsatisfiableConstraintAction, mutate ...func(*v1.TopologySpreadConstraint)) v1.TopologySpreadConstraint {
	c := v1.TopologySpreadConstraint{MaxSkew: skew, TopologyKey: key, WhenUnsatisfiable: when,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}
	for _, m := range mutate {
		m(&c)
	}
	return c
}

func spreadPod(labelsKV []string, cs ...v1.TopologySpreadConstraint) *v1.Pod {
	p := withLabels(mkPod("p", nil), labelsKV...)
	p.Spec.TopologySpreadConstraints = cs
	return p
}

func web(name, node string, extra ...string) *v1.Pod {
	return onNode(withLabels(mkPod(name, nil), append([]string{"app", "web"}, extra...)...), node)
}

// zones: n1,n2 in a (2 web pods on n1), n3 in b (1), n4 in c (0).
func zoneNodes() []*v1.Node {
	return []*v1.Node{mkNode("n1", nil, "zone", "a"), mkNode("n2", nil, "zone", "a"), mkNode("n3", nil, "zone", "b"), mkNode("n4", nil, "zone", "c")}
}

func TestPodTopologySpreadFilter(t *testing.T) {
	dns := v1.DoNotSchedule
	skewErr := fw.NewStatus(fw.Unschedulable, ErrReasonConstraintsNotMatch)
	labelErr := fw.NewStatus(fw.UnschedulableAndUnresolvable, "node(s) didn't match pod topology spread constraints (missing required label)")
	ignore, honor := v1.NodeInclusionPolicyIgnore, v1.NodeInclusionPolicyHonor
	three := int32(3)
	base := []*v1.Pod{web("e1", "n1"), web("e2", "n1"), web("e3", "n3")}
	tainted := zoneNodes()
	tainted[3].Spec.Taints = []v1.Taint{{Key: "k", Effect: v1.TaintEffectNoSchedule}}
	notC := spreadPod([]string{"app", "web"}, spread("zone", 1, dns))
	notC.Spec.Affinity = requiredAffinity(v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{req("zone", v1.NodeSelectorOpNotIn, "c")}})
	notCIgnore := notC.DeepCopy()
	notCIgnore.Spec.TopologySpreadConstraints[0].NodeAffinityPolicy = &ignore
	terminating := web("t", "n4")
	terminating.DeletionTimestamp = &metav1.Time{}
	otherNS := web("o", "n4")
	otherNS.Namespace = "other"
	tests := []struct {
		name     string
		pod      *v1.Pod
		nodes    []*v1.Node
		existing []*v1.Pod
		want     []*fw.Status
	}{
		{"maxSkew 1", spreadPod([]string{"app", "web"}, spread("zone", 1, dns)), zoneNodes(), base, []*fw.Status{skewErr, skewErr, skewErr, nil}},
		{"maxSkew 2", spreadPod([]string{"app", "web"}, spread("zone", 2, dns)), zoneNodes(), base, []*fw.Status{skewErr, skewErr, nil, nil}},
		{"pod not matching its own selector", spreadPod([]string{"app", "api"}, spread("zone", 1, dns)), zoneNodes(), base, []*fw.Status{skewErr, skewErr, nil, nil}},
		{"missing label", spreadPod([]string{"app", "web"}, spread("zone", 1, dns)), append(zoneNodes(), mkNode("n5", nil)), base, []*fw.Status{skewErr, skewErr, skewErr, nil, labelErr}},
		{"two domains, min 1", spreadPod([]string{"app", "web"}, spread("zone", 1, dns)), zoneNodes()[:3], base, []*fw.Status{skewErr, skewErr, nil}},
		{"minDomains above domain count makes min 0", spreadPod([]string{"app", "web"}, spread("zone", 1, dns, func(c *v1.TopologySpreadConstraint) { c.MinDomains = &three })), zoneNodes()[:3], base, []*fw.Status{skewErr, skewErr, skewErr}},
		{"nodeAffinityPolicy Honor drops excluded domains", notC, zoneNodes(), base, []*fw.Status{skewErr, skewErr, nil, nil}},
		{"nodeAffinityPolicy Ignore keeps them", notCIgnore, zoneNodes(), base, []*fw.Status{skewErr, skewErr, skewErr, nil}},
		{"nodeTaintsPolicy Ignore (default) counts tainted domains", spreadPod([]string{"app", "web"}, spread("zone", 1, dns)), tainted, base, []*fw.Status{skewErr, skewErr, skewErr, nil}},
		{"nodeTaintsPolicy Honor drops tainted domains", spreadPod([]string{"app", "web"}, spread("zone", 1, dns, func(c *v1.TopologySpreadConstraint) { c.NodeTaintsPolicy = &honor })), tainted, base, []*fw.Status{skewErr, skewErr, nil, nil}},
		{"matchLabelKeys", spreadPod([]string{"app", "web", "version", "v2"}, spread("zone", 1, dns, func(c *v1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"version"} })), zoneNodes(),
			[]*v1.Pod{web("e1", "n1", "version", "v1"), web("e2", "n1", "version", "v1"), web("e3", "n3", "version", "v2")}, []*fw.Status{nil, nil, skewErr, nil}},
		{"terminating and other-namespace pods don't count", spreadPod([]string{"app", "web"}, spread("zone", 1, dns)), zoneNodes()[2:], []*v1.Pod{web("e3", "n3"), terminating, otherNS}, []*fw.Status{skewErr, nil}},
		{"hostname", spreadPod([]string{"app", "web"}, spread(v1.LabelHostname, 1, dns)), zoneNodes(), base, []*fw.Status{skewErr, nil, skewErr, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := filterAll(PodTopologySpread{}, tc.pod, fw.NewSnapshot(tc.existing, tc.nodes, nil))
			for i := range tc.want {
				checkStatus(t, got[i], tc.want[i])
			}
		})
	}
	if _, st := (PodTopologySpread{}).PreFilter(ctx, fw.NewCycleState(), spreadPod(nil, spread("zone", 1, v1.ScheduleAnyway)), fw.NewSnapshot(nil, zoneNodes(), nil)); !st.IsSkip() {
		t.Error("soft-only constraints should skip Filter")
	}
}

func TestPodTopologySpreadScore(t *testing.T) {
	any := v1.ScheduleAnyway
	nodes := zoneNodes()[:3]
	existing := []*v1.Pod{web("e1", "n1"), web("e2", "n1")}
	tests := []struct {
		name  string
		pod   *v1.Pod
		nodes []*v1.Node
		want  []int64
	}{
		// zone: a=2, b=0, weight ln(4): raw 3, 3, 0 -> 0, 0, 100.
		{"zone", spreadPod([]string{"app", "web"}, spread("zone", 1, any)), nodes, []int64{0, 0, 100}},
		// hostname: n1=2, weight ln(5): raw 3, 0, 0 -> 0, 100, 100.
		{"hostname", spreadPod([]string{"app", "web"}, spread(v1.LabelHostname, 1, any)), nodes, []int64{0, 100, 100}},
		// maxSkew 3 adds 2 to every raw score: 5, 5, 2 -> 40, 40, 100.
		{"maxSkew lifts", spreadPod([]string{"app", "web"}, spread("zone", 3, any)), nodes, []int64{40, 40, 100}},
		// nothing matches anywhere: all raw 0 -> all 100.
		{"no matches", spreadPod(nil, spread("zone", 1, any, func(c *v1.TopologySpreadConstraint) { c.LabelSelector.MatchLabels["app"] = "none" })), nodes, []int64{100, 100, 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := scoreAll(t, PodTopologySpread{}, tc.pod, fw.NewSnapshot(existing, tc.nodes, nil))
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Fatalf("scores = %v, want %v", got, tc.want)
				}
			}
		})
	}
	// With a nodeSelector, feasible nodes lacking the key are ignored (score 0).
	p := spreadPod([]string{"app", "web"}, spread("zone", 1, any))
	p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	got := scoreAll(t, PodTopologySpread{}, p, fw.NewSnapshot(existing, append(zoneNodes()[:3], mkNode("n5", nil)), nil))
	if got[3] != 0 || got[2] != 100 {
		t.Errorf("ignored node scores = %v", got)
	}
	if st := (PodTopologySpread{}).PreScore(ctx, fw.NewCycleState(), mkPod("p", nil), nil, fw.NewSnapshot(nil, nodes, nil)); !st.IsSkip() {
		t.Error("pod without soft constraints should skip Score")
	}
}
