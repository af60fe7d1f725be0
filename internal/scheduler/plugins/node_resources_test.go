package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

func TestNodeResourcesFitFilter(t *testing.T) {
	alloc := rl("cpu", "4", "memory", "8Gi", "ephemeral-storage", "10Gi", "pods", "3", "example.com/gpu", "2")
	used := []*v1.Pod{mkPod("u1", rl("cpu", "3", "memory", "2Gi")), mkPod("u2", rl("example.com/gpu", "1"))}
	withInit := mkPod("p", rl("cpu", "500m"))
	withInit.Spec.InitContainers = []v1.Container{{Name: "i", Resources: v1.ResourceRequirements{Requests: rl("cpu", "2")}}}
	withOverhead := mkPod("p", rl("cpu", "900m"))
	withOverhead.Spec.Overhead = rl("cpu", "200m")
	tests := []struct {
		name     string
		pod      *v1.Pod
		existing []*v1.Pod
		want     *fw.Status
	}{
		{"fits", mkPod("p", rl("cpu", "1", "memory", "1Gi")), used, nil},
		{"best effort fits", mkPod("p", nil), used, nil},
		{"insufficient cpu", mkPod("p", rl("cpu", "1500m")), used, fw.NewStatus(fw.Unschedulable, "Insufficient cpu")},
		{"all shortfalls listed", mkPod("p", rl("cpu", "2", "memory", "7Gi", "ephemeral-storage", "11Gi")), used,
			fw.NewStatus(fw.UnschedulableAndUnresolvable, "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage")},
		{"more than the node has is unresolvable", mkPod("p", rl("cpu", "5")), nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, "Insufficient cpu")},
		{"extended resource", mkPod("p", rl("example.com/gpu", "2")), used, fw.NewStatus(fw.Unschedulable, "Insufficient example.com/gpu")},
		{"unknown extended resource", mkPod("p", rl("example.com/fpga", "1")), nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, "Insufficient example.com/fpga")},
		{"init container counts", withInit, used, fw.NewStatus(fw.Unschedulable, "Insufficient cpu")},
		{"overhead counts", withOverhead, used, fw.NewStatus(fw.Unschedulable, "Insufficient cpu")},
		{"too many pods", mkPod("p", nil), append(used, mkPod("u3", nil)), fw.NewStatus(fw.Unschedulable, "Too many pods")},
		{"too many pods and cpu", mkPod("p", rl("cpu", "2")), append(used, mkPod("u3", nil)), fw.NewStatus(fw.Unschedulable, "Too many pods", "Insufficient cpu")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := fw.NewSnapshot(nil, []*v1.Node{mkNode("n", alloc)}, nil)
			for _, p := range tc.existing {
				snap.List()[0].AddPod(p)
			}
			checkStatus(t, filterAll(NodeResourcesFit{}, tc.pod, snap)[0], tc.want)
		})
	}
	// Ignored extended resources are not checked.
	pl := NodeResourcesFit{IgnoredResources: map[v1.ResourceName]bool{"example.com/fpga": true}}
	checkStatus(t, pl.Filter(ctx, fw.NewCycleState(), mkPod("p", rl("example.com/fpga", "1")), nodeInfo(mkNode("n", alloc))), nil)
}

func TestNodeResourcesFitScore(t *testing.T) {
	// n1: 4 cpu / 10Gi with 1 cpu used; n2: 8 cpu / 10Gi empty.
	n1, n2 := mkNode("n1", rl("cpu", "4", "memory", "10Gi")), mkNode("n2", rl("cpu", "8", "memory", "10Gi"))
	snap := fw.NewSnapshot([]*v1.Pod{onNode(mkPod("e", rl("cpu", "1", "memory", "2Gi")), "n1")}, []*v1.Node{n1, n2}, nil)
	p := mkPod("p", rl("cpu", "1", "memory", "3Gi"))
	tests := []struct {
		name string
		pl   NodeResourcesFit
		want []int64
	}{
		// n1: cpu (4-2)/4=50, mem (10-5)/10=50 -> 50; n2: cpu 87, mem 70 -> 78.
		{"least allocated", NodeResourcesFit{}, []int64{50, 78}},
		// n1: 50, 50 -> 50; n2: cpu 12, mem 30 -> 21.
		{"most allocated", NodeResourcesFit{Strategy: MostAllocated}, []int64{50, 21}},
		// cpu weight 3: n1 (150+50)/4=50; n2 (87*3+70)/4=82.
		{"weights", NodeResourcesFit{Resources: []ResourceWeight{{v1.ResourceCPU, 3}, {v1.ResourceMemory, 1}}}, []int64{50, 82}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := scoreAll(t, tc.pl, p, snap); got[0] != tc.want[0] || got[1] != tc.want[1] {
				t.Errorf("scores = %v, want %v", got, tc.want)
			}
		})
	}
	// Best-effort pods score with the 100m/200Mi defaults: n2 cpu (8000-100)/8000=98, mem (10240-200)/10240=98.
	if got := scoreAll(t, NodeResourcesFit{}, mkPod("be", nil), snap); got[1] != 98 {
		t.Errorf("best-effort score on n2 = %d, want 98", got[1])
	}
	// Overcommitted resources score 0 under LeastAllocated, 100 under MostAllocated.
	big := mkPod("big", rl("cpu", "16", "memory", "20Gi"))
	if got := scoreAll(t, NodeResourcesFit{}, big, snap); got[0] != 0 {
		t.Errorf("overcommit least = %v", got)
	}
	if got := scoreAll(t, NodeResourcesFit{Strategy: MostAllocated}, big, snap); got[0] != 100 {
		t.Errorf("overcommit most = %v", got)
	}
}

func TestBalancedAllocation(t *testing.T) {
	n1, n2 := mkNode("n1", rl("cpu", "4", "memory", "10Gi")), mkNode("n2", rl("cpu", "10", "memory", "10Gi"))
	snap := fw.NewSnapshot(nil, []*v1.Node{n1, n2}, nil)
	p := mkPod("p", rl("cpu", "2", "memory", "2Gi"))
	// n1: 0.5 vs 0.2 -> std 0.15 -> 85; n2: 0.2 vs 0.2 -> 100.
	if got := scoreAll(t, NodeResourcesBalancedAllocation{}, p, snap); got[0] != 85 || got[1] != 100 {
		t.Errorf("scores = %v", got)
	}
	// Three resources use the general standard deviation.
	n3 := mkNode("n3", rl("cpu", "4", "memory", "10Gi", "example.com/gpu", "4"))
	snap3 := fw.NewSnapshot(nil, []*v1.Node{n3}, nil)
	p3 := mkPod("p", rl("cpu", "2", "memory", "2Gi", "example.com/gpu", "4"))
	res := []ResourceWeight{{v1.ResourceCPU, 1}, {v1.ResourceMemory, 1}, {"example.com/gpu", 1}}
	// fractions .5 .2 1 -> mean .5667, std .3300 -> 67.
	if got := scoreAll(t, NodeResourcesBalancedAllocation{Resources: res}, p3, snap3); got[0] != 67 {
		t.Errorf("3-resource score = %v", got)
	}
	if st := (NodeResourcesBalancedAllocation{}).PreScore(ctx, fw.NewCycleState(), mkPod("be", nil), nil, nil); !st.IsSkip() {
		t.Error("best-effort pod should be skipped")
	}
}
