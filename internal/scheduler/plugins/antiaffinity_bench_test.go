package plugins

import (
	"context"
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fw "orca/internal/scheduler/framework"
)

func antiPod(name string, group int) *v1.Pod {
	g := fmt.Sprintf("g%d", group)
	p := withLabels(mkPod(name, rl("cpu", "100m", "memory", "64Mi")), "group", g)
	p.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"group": g}}, TopologyKey: v1.LabelHostname}}}}
	return p
}

// BenchmarkScheduleAntiAffinity: a pod with required anti-affinity (its
// group of 10) onto 5,000 nodes already holding 10,000 such pods: the
// scheduler bench's anti-affinity workload near its end.
func BenchmarkScheduleAntiAffinity(b *testing.B) {
	nodes := make([]*v1.Node, 5000)
	var pods []*v1.Pod
	for i := range nodes {
		name := fmt.Sprintf("node-%05d", i)
		nodes[i] = mkNode(name, rl("cpu", "32", "memory", "128Gi", "pods", "110"), v1.LabelHostname, name)
		for j := 0; j < 2; j++ {
			k := i*2 + j
			pods = append(pods, onNode(antiPod(fmt.Sprintf("p%d", k), k/10), name))
		}
	}
	snap := fw.NewSnapshot(pods, nodes, nil)
	f := newDefault(b)
	pod := antiPod("new", 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := fw.Schedule(context.Background(), f, fw.NewCycleState(), pod, snap, 0); err != nil {
			b.Fatal(err)
		}
	}
}
