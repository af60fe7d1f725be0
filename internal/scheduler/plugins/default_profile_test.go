package plugins

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

func newDefault(t testing.TB) *fw.Framework {
	f, err := fw.New(DefaultPlugins(nil), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDefaultProfileEndToEnd(t *testing.T) {
	small := mkNode("small", rl("cpu", "1", "memory", "2Gi", "pods", "110"))
	big := mkNode("big", rl("cpu", "8", "memory", "16Gi", "pods", "110"))
	gpu := mkNode("gpu", rl("cpu", "16", "memory", "32Gi", "pods", "110"))
	gpu.Spec.Taints = []v1.Taint{{Key: "dedicated", Value: "gpu", Effect: v1.TaintEffectNoSchedule}}
	snap := fw.NewSnapshot(nil, []*v1.Node{small, big, gpu}, nil)
	f := newDefault(t)

	res, err := fw.Schedule(context.Background(), f, fw.NewCycleState(), mkPod("p", rl("cpu", "500m", "memory", "1Gi")), snap, 0)
	if err != nil || res.SuggestedHost != "big" {
		t.Fatalf("got %+v, %v; want big (least allocated)", res, err)
	}
	_, err = fw.Schedule(context.Background(), f, fw.NewCycleState(), mkPod("p", rl("cpu", "10")), snap, 0)
	var fe *fw.FitError
	if !errors.As(err, &fe) {
		t.Fatalf("want FitError, got %v", err)
	}
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu."
	if fe.Error() != want {
		t.Errorf("got  %q\nwant %q", fe.Error(), want)
	}
}

func TestDefaultProfileWeights(t *testing.T) {
	want := map[string]int64{TaintTolerationName: 3, NodeAffinityName: 2, NodeResourcesFitName: 1, BalancedAllocationName: 1,
		PodTopologySpreadName: 2, InterPodAffinityName: 2, ImageLocalityName: 1}
	for _, pw := range DefaultPlugins(nil) {
		_, scores := pw.Plugin.(fw.ScorePlugin)
		if w := want[pw.Plugin.Name()]; w != pw.Weight || scores != (w > 0) {
			t.Errorf("%s weight %d (scores=%v), want %d", pw.Plugin.Name(), pw.Weight, scores, w)
		}
	}
}

func benchSnapshot(n int) *fw.Snapshot {
	nodes := make([]*v1.Node, n)
	var pods []*v1.Pod
	for i := range nodes {
		name := fmt.Sprintf("node-%05d", i)
		nodes[i] = mkNode(name, rl("cpu", "32", "memory", "128Gi", "pods", "110"), v1.LabelTopologyZone, fmt.Sprintf("zone-%d", i%3))
		for j := 0; j < 3; j++ {
			pods = append(pods, onNode(withLabels(mkPod(fmt.Sprintf("%s-%d", name, j), rl("cpu", "500m", "memory", "1Gi")), "app", fmt.Sprint(j)), name))
		}
	}
	return fw.NewSnapshot(pods, nodes, nil)
}

// BenchmarkScheduleDefaultProfile: one plain pod over 5,000 nodes with 3
// pods each, default plugins and adaptive sampling (500 feasible nodes).
func BenchmarkScheduleDefaultProfile(b *testing.B) { benchSchedule(b, 0) }

// BenchmarkScheduleAllNodes: the same with percentageOfNodesToScore=100.
func BenchmarkScheduleAllNodes(b *testing.B) { benchSchedule(b, 100) }

func benchSchedule(b *testing.B, pct int32) {
	snap := benchSnapshot(5000)
	f := newDefault(b)
	f.PercentageOfNodesToScore = pct
	p := mkPod("p", rl("cpu", "1", "memory", "1Gi"))
	start := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := fw.Schedule(context.Background(), f, fw.NewCycleState(), p, snap, start)
		if err != nil {
			b.Fatal(err)
		}
		start = res.NextStartIndex
	}
}

func TestDefaultProfileSpreadAndAffinity(t *testing.T) {
	nodes := []*v1.Node{
		mkNode("n1", rl("cpu", "4", "pods", "10"), "zone", "a"),
		mkNode("n2", rl("cpu", "4", "pods", "10"), "zone", "a"),
		mkNode("n3", rl("cpu", "4", "pods", "10"), "zone", "b"),
	}
	existing := []*v1.Pod{web("w1", "n1"), web("w2", "n2")}
	snap := fw.NewSnapshot(existing, nodes, nil)
	f := newDefault(t)
	// Required anti-affinity per hostname leaves only n3.
	p := withPodAffinity(withLabels(mkPod("p", nil), "app", "web"), nil, []v1.PodAffinityTerm{term(v1.LabelHostname, "web")})
	res, err := fw.Schedule(context.Background(), f, fw.NewCycleState(), p, snap, 0)
	if err != nil || res.SuggestedHost != "n3" {
		t.Fatalf("anti-affinity: %+v %v", res, err)
	}
	// A soft zone spread also prefers zone b.
	q := spreadPod([]string{"app", "web"}, spread("zone", 1, v1.ScheduleAnyway))
	res, err = fw.Schedule(context.Background(), f, fw.NewCycleState(), q, snap, 0)
	if err != nil || res.SuggestedHost != "n3" {
		t.Fatalf("spread: %+v %v", res, err)
	}
	// Anti-affinity per zone with a pod in each zone: nothing fits.
	full := fw.NewSnapshot(append(existing, web("w3", "n3")), nodes, nil)
	z := withPodAffinity(withLabels(mkPod("z", nil), "app", "web"), nil, []v1.PodAffinityTerm{term("zone", "web")})
	_, err = fw.Schedule(context.Background(), f, fw.NewCycleState(), z, full, 0)
	if err == nil || err.Error() != "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules." {
		t.Fatalf("got %v", err)
	}
}

// TestScheduleDeterministicAcrossParallelism: worker count must not change
// the outcome, the diagnosis or the evaluated-node count.
func TestScheduleDeterministicAcrossParallelism(t *testing.T) {
	nodes := make([]*v1.Node, 1500)
	for i := range nodes {
		cpu := []string{"1", "2", "8"}[i%3]
		nodes[i] = mkNode(fmt.Sprintf("n%04d", i), rl("cpu", cpu, "memory", "8Gi", "pods", "110"), "zone", fmt.Sprint(i%7))
	}
	snap := fw.NewSnapshot(nil, nodes, nil)
	for _, p := range []*v1.Pod{mkPod("fits", rl("cpu", "1500m")), mkPod("never", rl("cpu", "9"))} {
		var want string
		for _, workers := range []int{1, 2, 7, 16} {
			f := newDefault(t)
			f.Parallelism = workers
			res, err := fw.Schedule(context.Background(), f, fw.NewCycleState(), p, snap, 1400)
			got := fmt.Sprintf("%+v %v", res, err)
			if want == "" {
				want = got
			} else if got != want {
				t.Fatalf("%s with %d workers: %s, want %s", p.Name, workers, got, want)
			}
		}
	}
}
