package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

func TestNodeName(t *testing.T) {
	n := nodeInfo(mkNode("n1", nil))
	tests := []struct {
		nodeName string
		want     *fw.Status
	}{
		{"", nil},
		{"n1", nil},
		{"n2", fw.NewStatus(fw.UnschedulableAndUnresolvable, "node(s) didn't match the requested node name")},
	}
	for _, tc := range tests {
		p := mkPod("p", nil)
		p.Spec.NodeName = tc.nodeName
		checkStatus(t, NodeName{}.Filter(ctx, nil, p, n), tc.want)
	}
}

func TestNodeUnschedulable(t *testing.T) {
	cordoned := mkNode("n", nil)
	cordoned.Spec.Unschedulable = true
	reject := fw.NewStatus(fw.UnschedulableAndUnresolvable, "node(s) were unschedulable")
	tests := []struct {
		name string
		node *v1.Node
		tols []v1.Toleration
		want *fw.Status
	}{
		{"schedulable", mkNode("n", nil), nil, nil},
		{"cordoned", cordoned, nil, reject},
		{"cordoned, tolerated by key", cordoned, []v1.Toleration{{Key: v1.TaintNodeUnschedulable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule}}, nil},
		{"cordoned, tolerate everything", cordoned, []v1.Toleration{{Operator: v1.TolerationOpExists}}, nil},
		{"cordoned, wrong effect", cordoned, []v1.Toleration{{Key: v1.TaintNodeUnschedulable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute}}, reject},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mkPod("p", nil)
			p.Spec.Tolerations = tc.tols
			checkStatus(t, NodeUnschedulable{}.Filter(ctx, nil, p, nodeInfo(tc.node)), tc.want)
		})
	}
}

func portPod(name, ip, proto string, port int32) *v1.Pod {
	p := mkPod(name, nil)
	p.Spec.Containers[0].Ports = []v1.ContainerPort{{HostIP: ip, Protocol: v1.Protocol(proto), HostPort: port, ContainerPort: 8080}}
	return p
}

func TestNodePorts(t *testing.T) {
	reject := fw.NewStatus(fw.Unschedulable, "node(s) didn't have free ports for the requested pod ports")
	tests := []struct {
		name     string
		pod      *v1.Pod
		existing []*v1.Pod
		want     *fw.Status
	}{
		{"no ports", mkPod("p", nil), []*v1.Pod{portPod("e", "", "TCP", 80)}, nil},
		{"free port", portPod("p", "", "TCP", 81), []*v1.Pod{portPod("e", "", "TCP", 80)}, nil},
		{"same port", portPod("p", "", "TCP", 80), []*v1.Pod{portPod("e", "", "TCP", 80)}, reject},
		{"other protocol", portPod("p", "", "UDP", 80), []*v1.Pod{portPod("e", "", "TCP", 80)}, nil},
		{"different IPs", portPod("p", "10.0.0.1", "TCP", 80), []*v1.Pod{portPod("e", "10.0.0.2", "TCP", 80)}, nil},
		{"wildcard vs IP", portPod("p", "", "TCP", 80), []*v1.Pod{portPod("e", "10.0.0.2", "TCP", 80)}, reject},
		{"IP vs wildcard", portPod("p", "10.0.0.1", "TCP", 80), []*v1.Pod{portPod("e", "0.0.0.0", "TCP", 80)}, reject},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkStatus(t, NodePorts{}.Filter(ctx, nil, tc.pod, nodeInfo(mkNode("n", nil), tc.existing...)), tc.want)
		})
	}
}

func TestTaintTolerationFilter(t *testing.T) {
	taint := func(k, v string, e v1.TaintEffect) v1.Taint { return v1.Taint{Key: k, Value: v, Effect: e} }
	tests := []struct {
		name   string
		taints []v1.Taint
		tols   []v1.Toleration
		want   *fw.Status
	}{
		{"no taints", nil, nil, nil},
		{"untolerated NoSchedule", []v1.Taint{taint("dedicated", "gpu", v1.TaintEffectNoSchedule)}, nil,
			fw.NewStatus(fw.UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: gpu}")},
		{"untolerated NoExecute, first reported", []v1.Taint{taint("a", "", v1.TaintEffectPreferNoSchedule), taint("b", "1", v1.TaintEffectNoExecute), taint("c", "2", v1.TaintEffectNoSchedule)}, nil,
			fw.NewStatus(fw.UnschedulableAndUnresolvable, "node(s) had untolerated taint {b: 1}")},
		{"PreferNoSchedule never filters", []v1.Taint{taint("a", "b", v1.TaintEffectPreferNoSchedule)}, nil, nil},
		{"tolerated by Equal", []v1.Taint{taint("dedicated", "gpu", v1.TaintEffectNoSchedule)},
			[]v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpEqual, Value: "gpu", Effect: v1.TaintEffectNoSchedule}}, nil},
		{"wrong value", []v1.Taint{taint("dedicated", "gpu", v1.TaintEffectNoSchedule)},
			[]v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpEqual, Value: "cpu"}},
			fw.NewStatus(fw.UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: gpu}")},
		{"Exists with empty effect", []v1.Taint{taint("dedicated", "gpu", v1.TaintEffectNoExecute)},
			[]v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpExists}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := mkNode("n", nil)
			n.Spec.Taints = tc.taints
			p := mkPod("p", nil)
			p.Spec.Tolerations = tc.tols
			checkStatus(t, TaintToleration{}.Filter(ctx, nil, p, nodeInfo(n)), tc.want)
		})
	}
}

func TestTaintTolerationScore(t *testing.T) {
	prefer := func(k string) v1.Taint { return v1.Taint{Key: k, Value: "v", Effect: v1.TaintEffectPreferNoSchedule} }
	n1, n2, n3 := mkNode("n1", nil), mkNode("n2", nil), mkNode("n3", nil)
	n2.Spec.Taints = []v1.Taint{prefer("a")}
	n3.Spec.Taints = []v1.Taint{prefer("a"), prefer("b"), {Key: "c", Effect: v1.TaintEffectNoSchedule}}
	snap := fw.NewSnapshot(nil, []*v1.Node{n1, n2, n3}, nil)
	p := mkPod("p", nil)
	if got := scoreAll(t, TaintToleration{}, p, snap); got[0] != 100 || got[1] != 50 || got[2] != 0 {
		t.Errorf("scores = %v, want [100 50 0]", got)
	}
	// Tolerating "a" (PreferNoSchedule) leaves only "b"; a NoSchedule-effect
	// toleration does not count for scoring.
	p.Spec.Tolerations = []v1.Toleration{{Key: "a", Operator: v1.TolerationOpExists, Effect: v1.TaintEffectPreferNoSchedule}, {Key: "b", Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule}}
	if got := scoreAll(t, TaintToleration{}, p, snap); got[0] != 100 || got[1] != 100 || got[2] != 0 {
		t.Errorf("scores = %v, want [100 100 0]", got)
	}
}
