package daemonset

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestDaemonSetShouldRun(t *testing.T) {
	noSched := v1.Taint{Key: "k", Value: "v", Effect: v1.TaintEffectNoSchedule}
	noExec := v1.Taint{Key: "k", Value: "v", Effect: v1.TaintEffectNoExecute}
	tolerateAll := v1.Toleration{Key: "k", Operator: v1.TolerationOpExists}
	cases := []struct {
		name      string
		node      *v1.Node
		edit      func(*v1.PodSpec)
		run, keep bool
	}{
		{"plain node", node("a", nil), nil, true, true},
		{"nodeSelector matches", node("a", map[string]string{"disk": "ssd"}), func(s *v1.PodSpec) { s.NodeSelector = map[string]string{"disk": "ssd"} }, true, true},
		{"nodeSelector does not match", node("a", map[string]string{"disk": "hdd"}), func(s *v1.PodSpec) { s.NodeSelector = map[string]string{"disk": "ssd"} }, false, false},
		{"required affinity does not match", node("a", nil), func(s *v1.PodSpec) {
			s.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{
				NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchExpressions: []v1.NodeSelectorRequirement{{Key: "zone", Operator: v1.NodeSelectorOpExists}}}}}}}
		}, false, false},
		{"required affinity on name", node("a", nil), func(s *v1.PodSpec) {
			s.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{
				NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchFields: []v1.NodeSelectorRequirement{{Key: "metadata.name", Operator: v1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
		}, true, true},
		{"template nodeName elsewhere", node("a", nil), func(s *v1.PodSpec) { s.NodeName = "b" }, false, false},
		{"untolerated NoSchedule: keep, don't start", node("a", nil, noSched), nil, false, true},
		{"untolerated NoExecute: neither", node("a", nil, noExec), nil, false, false},
		{"tolerated taints", node("a", nil, noSched, noExec), func(s *v1.PodSpec) { s.Tolerations = []v1.Toleration{tolerateAll} }, true, true},
		{"PreferNoSchedule ignored", node("a", nil, v1.Taint{Key: "k", Effect: v1.TaintEffectPreferNoSchedule}), nil, true, true},
		{"default toleration: unschedulable", node("a", nil, v1.Taint{Key: taintUnschedulable, Effect: v1.TaintEffectNoSchedule}), nil, true, true},
		{"default toleration: not-ready NoExecute", node("a", nil, v1.Taint{Key: taintNotReady, Effect: v1.TaintEffectNoExecute}), nil, true, true},
		{"default toleration: unreachable NoExecute", node("a", nil, v1.Taint{Key: taintUnreachable, Effect: v1.TaintEffectNoExecute}), nil, true, true},
		{"default toleration: memory-pressure", node("a", nil, v1.Taint{Key: taintMemoryPressure, Effect: v1.TaintEffectNoSchedule}), nil, true, true},
		{"network-unavailable without hostNetwork", node("a", nil, v1.Taint{Key: taintNetworkUnavailable, Effect: v1.TaintEffectNoSchedule}), nil, false, true},
		{"network-unavailable with hostNetwork", node("a", nil, v1.Taint{Key: taintNetworkUnavailable, Effect: v1.TaintEffectNoSchedule}), func(s *v1.PodSpec) { s.HostNetwork = true }, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds := testDS()
			if tc.edit != nil {
				tc.edit(&ds.Spec.Template.Spec)
			}
			run, keep := shouldRun(tc.node, ds)
			if run != tc.run || keep != tc.keep {
				t.Errorf("shouldRun = %v, %v; want %v, %v", run, keep, tc.run, tc.keep)
			}
		})
	}
}

func TestDaemonSetDefaultTolerations(t *testing.T) {
	sec := int64(300)
	spec := &v1.PodSpec{Tolerations: []v1.Toleration{
		{Key: "mine", Operator: v1.TolerationOpExists},
		{Key: taintNotReady, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute, TolerationSeconds: &sec},
	}}
	addDefaultTolerations(spec)
	if len(spec.Tolerations) != 7 {
		t.Fatalf("got %d tolerations, want 7: %+v", len(spec.Tolerations), spec.Tolerations)
	}
	if spec.Tolerations[0].Key != "mine" {
		t.Errorf("user toleration moved: %+v", spec.Tolerations[0])
	}
	nr := spec.Tolerations[1]
	if nr.Key != taintNotReady || nr.TolerationSeconds != nil {
		t.Errorf("not-ready toleration = %+v, want replaced in place without seconds", nr)
	}
	want := []string{taintUnreachable, taintDiskPressure, taintMemoryPressure, taintPIDPressure, taintUnschedulable}
	for i, k := range want {
		if got := spec.Tolerations[2+i].Key; got != k {
			t.Errorf("toleration %d = %s, want %s", 2+i, got, k)
		}
	}
	host := &v1.PodSpec{HostNetwork: true}
	addDefaultTolerations(host)
	if n := len(host.Tolerations); n != 7 || host.Tolerations[6].Key != taintNetworkUnavailable {
		t.Errorf("hostNetwork tolerations = %+v", host.Tolerations)
	}
	// Idempotent.
	addDefaultTolerations(host)
	if len(host.Tolerations) != 7 {
		t.Errorf("second add grew the list: %d", len(host.Tolerations))
	}
}

func TestDaemonSetPinToNode(t *testing.T) {
	pref := []v1.PreferredSchedulingTerm{{Weight: 1, Preference: v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{{Key: "x", Operator: v1.NodeSelectorOpExists}}}}}
	a := &v1.Affinity{NodeAffinity: &v1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution:  &v1.NodeSelector{NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchExpressions: []v1.NodeSelectorRequirement{{Key: "zone", Operator: v1.NodeSelectorOpExists}}}}},
		PreferredDuringSchedulingIgnoredDuringExecution: pref,
	}}
	got := pinToNode(a, "n1")
	terms := got.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || len(terms[0].MatchExpressions) != 0 || len(terms[0].MatchFields) != 1 {
		t.Fatalf("terms = %+v", terms)
	}
	f := terms[0].MatchFields[0]
	if f.Key != "metadata.name" || f.Operator != v1.NodeSelectorOpIn || len(f.Values) != 1 || f.Values[0] != "n1" {
		t.Errorf("matchFields = %+v", f)
	}
	if len(got.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) != 1 {
		t.Errorf("preferred terms lost")
	}
	if n := targetNode(&v1.Pod{Spec: v1.PodSpec{Affinity: pinToNode(nil, "n2")}}); n != "n2" {
		t.Errorf("targetNode of pinned pod = %q", n)
	}
	if n := targetNode(&v1.Pod{Spec: v1.PodSpec{NodeName: "n3", Affinity: pinToNode(nil, "n2")}}); n != "n3" {
		t.Errorf("targetNode of bound pod = %q", n)
	}
	if n := targetNode(&v1.Pod{}); n != "" {
		t.Errorf("targetNode of free pod = %q", n)
	}
}
