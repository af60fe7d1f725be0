package replicaset

import (
	"slices"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestReplicaSetDecideCount(t *testing.T) {
	rs := newRS("web", 0)
	for _, tc := range []struct {
		name       string
		replicas   int32
		have       int
		create     int
		deleteWant int
	}{
		{"steady", 3, 3, 0, 0},
		{"scale up", 5, 2, 3, 0},
		{"from zero", 3, 0, 3, 0},
		{"scale down", 1, 4, 0, 3},
		{"to zero", 0, 2, 0, 2},
		{"burst caps creations", 10000, 0, burstReplicas, 0},
		{"burst caps deletions", 0, 700, 0, burstReplicas},
	} {
		t.Run(tc.name, func(t *testing.T) {
			owned := nPods(rs, tc.have)
			a := decide(tc.replicas, owned, owned)
			if a.create != tc.create || len(a.delete) != tc.deleteWant {
				t.Fatalf("decide(%d, %d pods) = create %d delete %d, want %d, %d", tc.replicas, tc.have, a.create, len(a.delete), tc.create, tc.deleteWant)
			}
		})
	}
}

func TestReplicaSetDecideVictims(t *testing.T) {
	rs := newRS("web", 0)
	for _, tc := range []struct {
		name     string
		replicas int32
		pods     []*v1.Pod
		related  []*v1.Pod // nil: the pods themselves
		want     []string
	}{
		{
			name:     "unscheduled first",
			replicas: 1,
			pods:     []*v1.Pod{newPod("sched", rs), newPod("unsched", rs, onNode(""), phase(v1.PodPending), notReady)},
			want:     []string{"unsched"},
		},
		{
			name:     "pending before running",
			replicas: 1,
			pods:     []*v1.Pod{newPod("running", rs), newPod("pending", rs, phase(v1.PodPending), notReady)},
			want:     []string{"pending"},
		},
		{
			name:     "not ready before ready",
			replicas: 2,
			pods:     []*v1.Pod{newPod("r1", rs), newPod("nr", rs, notReady), newPod("r2", rs)},
			want:     []string{"nr"},
		},
		{
			name:     "ready for less time first",
			replicas: 1,
			pods:     []*v1.Pod{newPod("old", rs, ready(t0.Add(-2*3600e9))), newPod("young", rs, ready(t0))},
			want:     []string{"young"},
		},
		{
			name:     "lower deletion cost first",
			replicas: 1,
			pods: []*v1.Pod{newPod("young", rs, ready(t0)), newPod("cheap", rs, ready(t0.Add(-2*3600e9)), func(p *v1.Pod) {
				p.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "-5"}
			})},
			want: []string{"cheap"},
		},
		{
			name:     "doubled-up pods first",
			replicas: 2,
			pods:     []*v1.Pod{newPod("y1", rs, onNode("a"), ready(t0)), newPod("y2", rs, onNode("a"), ready(t0)), newPod("b0", rs, onNode("b"), ready(t0))},
			want:     []string{"y1"}, // not b0, though its name sorts first
		},
		{
			name:     "siblings' pods count for co-location",
			replicas: 1,
			pods:     []*v1.Pod{newPod("a1", rs, onNode("a"), ready(t0)), newPod("b1", rs, onNode("b"), ready(t0))},
			related: []*v1.Pod{newPod("a1", rs, onNode("a")), newPod("b1", rs, onNode("b")),
				newPod("sib-b1", newRS("sib", 0), onNode("b")), newPod("sib-b2", newRS("sib", 0), onNode("b"))},
			want: []string{"b1"},
		},
		{
			name:     "all go when scaling to zero",
			replicas: 0,
			pods:     []*v1.Pod{newPod("x", rs), newPod("y", rs)},
			want:     []string{"x", "y"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			related := tc.related
			if related == nil {
				related = tc.pods
			}
			before := names(tc.pods)
			got := names(decide(tc.replicas, tc.pods, related).delete)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("victims %v, want %v", got, tc.want)
			}
			if !slices.Equal(names(tc.pods), before) {
				t.Fatalf("decide reordered its input: %v", names(tc.pods))
			}
		})
	}
}
