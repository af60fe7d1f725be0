package framework

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func portPod(name, ip string, port int32) *v1.Pod {
	c := ctr(rl("cpu", "100m", "memory", "100Mi"))
	c.Ports = []v1.ContainerPort{{HostIP: ip, HostPort: port, ContainerPort: 80}}
	return pod(name, c)
}

func antiPod(name string) *v1.Pod {
	p := pod(name, ctr(nil))
	p.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}, TopologyKey: "zone"}},
	}}
	return p
}

func TestNodeInfoAddRemoveConsistency(t *testing.T) {
	a, b, c := portPod("a", "", 80), pod("b", ctr(rl("cpu", "1"))), antiPod("c")
	ni := NewNodeInfo()
	ni.SetNode(node("n", rl("cpu", "4", "memory", "8Gi", "pods", "110")))
	empty := ni.Clone()
	for _, p := range []*v1.Pod{a, b, c} {
		ni.AddPod(p)
	}
	if len(ni.Pods) != 3 || len(ni.PodsWithAffinity) != 1 || len(ni.PodsWithRequiredAntiAffinity) != 1 {
		t.Fatalf("pods=%d aff=%d anti=%d", len(ni.Pods), len(ni.PodsWithAffinity), len(ni.PodsWithRequiredAntiAffinity))
	}
	if ni.Requested.MilliCPU != 1100 || ni.NonZeroRequested.MilliCPU != 1200 {
		t.Fatalf("requested cpu=%d nonzero=%d", ni.Requested.MilliCPU, ni.NonZeroRequested.MilliCPU)
	}
	if !ni.UsedPorts.CheckConflict("", "TCP", 80) {
		t.Fatal("port 80 should be used")
	}
	snapshot := ni.Clone()
	for _, p := range []*v1.Pod{b, a, c} {
		if err := ni.RemovePod(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := ni.RemovePod(a); err == nil {
		t.Error("removing twice must fail")
	}
	if !equalResource(ni.Requested, empty.Requested) || !equalResource(ni.NonZeroRequested, empty.NonZeroRequested) {
		t.Errorf("not back to empty: %+v %+v", ni.Requested, ni.NonZeroRequested)
	}
	if len(ni.Pods)+len(ni.PodsWithAffinity)+len(ni.PodsWithRequiredAntiAffinity)+ni.UsedPorts.Len() != 0 {
		t.Errorf("leftovers: %+v", ni)
	}
	// The clone taken before removal must be unaffected.
	if len(snapshot.Pods) != 3 || snapshot.Requested.MilliCPU != 1100 || snapshot.UsedPorts.Len() != 1 {
		t.Errorf("clone was mutated: pods=%d cpu=%d", len(snapshot.Pods), snapshot.Requested.MilliCPU)
	}
	if ni.Allocatable.AllowedPodNumber != 110 {
		t.Errorf("allocatable pods = %d", ni.Allocatable.AllowedPodNumber)
	}
}

func TestHostPortConflict(t *testing.T) {
	used := HostPortInfo{}
	used.Add("127.0.0.1", "TCP", 8080)
	used.Add("", "UDP", 53)
	tests := []struct {
		ip, proto string
		port      int32
		want      bool
	}{
		{"127.0.0.1", "TCP", 8080, true},
		{"127.0.0.2", "TCP", 8080, false},
		{"0.0.0.0", "TCP", 8080, true}, // wildcard clashes with any IP
		{"", "", 8080, true},           // empty = wildcard TCP
		{"127.0.0.1", "UDP", 8080, false},
		{"10.0.0.1", "UDP", 53, true}, // any IP clashes with the wildcard
		{"10.0.0.1", "TCP", 53, false},
		{"", "TCP", 0, false}, // no host port, no conflict
	}
	for _, tc := range tests {
		if got := used.CheckConflict(tc.ip, tc.proto, tc.port); got != tc.want {
			t.Errorf("%s/%s:%d conflict=%v want %v", tc.ip, tc.proto, tc.port, got, tc.want)
		}
	}
}

func TestSnapshot(t *testing.T) {
	n1, n2 := node("n1", nil), node("n2", nil)
	n1.Status.Images = []v1.ContainerImage{{Names: []string{"img:1"}, SizeBytes: 10}}
	n2.Status.Images = []v1.ContainerImage{{Names: []string{"img:1", "other"}, SizeBytes: 10}}
	c := antiPod("c")
	c.Spec.NodeName = "n2"
	s := NewSnapshot([]*v1.Pod{c}, []*v1.Node{n1, n2}, map[string]map[string]string{"default": {"team": "a"}})
	if s.NumNodes() != 2 || len(s.HavePodsWithAffinityList()) != 1 || len(s.HavePodsWithRequiredAntiAffinityList()) != 1 {
		t.Fatal("bad lists")
	}
	ni, err := s.Get("n2")
	if err != nil || len(ni.Pods) != 1 || ni.ImageStates["img:1"].NumNodes != 2 || ni.ImageStates["other"].NumNodes != 1 {
		t.Fatalf("bad n2: %v %+v", err, ni)
	}
	if _, err := s.Get("nope"); err == nil {
		t.Error("want error for unknown node")
	}
	if s.NamespaceLabels("default")["team"] != "a" {
		t.Error("namespace labels lost")
	}
}
