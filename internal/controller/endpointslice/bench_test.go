package endpointslice

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

// BenchmarkSyncOneChange is the pure part of one sync of a Service with
// 1,000 pods (10 slices) after one pod turned not ready: Desired and
// Decide, which must produce exactly one update.
func BenchmarkSyncOneChange(b *testing.B) {
	s := svc()
	ps := readyPods(1000)
	groups, _ := Desired(s, ps, nil)
	p := Decide(TargetFor(s, groups), nil)
	var existing []*discovery.EndpointSlice
	for i, c := range p.Create {
		c.Name = c.GenerateName + string(rune('a'+i))
		c.UID = "uid-" + c.UID
		existing = append(existing, c)
	}
	changed := append([]*v1.Pod{}, ps...)
	changed[500] = pod(ps[500].Name, ps[500].Status.PodIP, notReady)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		groups, _ := Desired(s, changed, nil)
		p := Decide(TargetFor(s, groups), existing)
		if len(p.Update) != 1 || len(p.Create)+len(p.Delete) != 0 {
			b.Fatalf("plan: %d updates %d creates %d deletes", len(p.Update), len(p.Create), len(p.Delete))
		}
	}
}
