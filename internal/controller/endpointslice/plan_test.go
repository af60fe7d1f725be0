package endpointslice

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// plan runs Decide for the Service's pods against existing slices.
func plan(s *v1.Service, ps []*v1.Pod, existing ...*discovery.EndpointSlice) Plan {
	groups, _ := Desired(s, ps, nil)
	return Decide(TargetFor(s, groups), existing)
}

// sizes are the endpoint counts of slices, in order.
func sizes(ss []*discovery.EndpointSlice) []int {
	out := []int{}
	for _, s := range ss {
		out = append(out, len(s.Endpoints))
	}
	return out
}

func names(ss []*discovery.EndpointSlice) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecide(t *testing.T) {
	s := svc()
	ps := readyPods(250)
	tests := []struct {
		name     string
		svc      *v1.Service
		pods     []*v1.Pod
		existing []*discovery.EndpointSlice
		// creates and updates by endpoint count; deletes by name
		creates, updates []int
		updated, deleted []string
	}{
		{name: "new service", pods: ps[:3], creates: []int{3}},
		{name: "150 pods: two slices", pods: ps[:150], creates: []int{100, 50}},
		{name: "up to date", pods: ps[:3], existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:3]...)}},
		{name: "pod not ready: updated in place", pods: []*v1.Pod{ps[0], ps[1], pod(ps[2].Name, ps[2].Status.PodIP, notReady)},
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:3]...)}, updates: []int{3}, updated: []string{"a"}},
		{name: "pod replaced: same slice", pods: []*v1.Pod{ps[0], ps[1], ps[3]},
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:3]...)}, updates: []int{3}, updated: []string{"a"}},
		{name: "new pods fill the unchanged slice with room", pods: ps[:160],
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:100]...), sliceOf(s, "b", ps[100:150]...)},
			updates:  []int{60}, updated: []string{"b"}},
		{name: "too many new pods for one slice: a new slice", pods: ps[:250],
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:100]...), sliceOf(s, "b", ps[100:150]...)},
			creates:  []int{100}},
		// a keeps 99 and takes one new pod; b keeps nothing, so the other
		// 4 new ones would go to a new slice, which reuses b instead.
		{name: "new pods go to the slice being updated", pods: append(append([]*v1.Pod{}, ps[1:100]...), ps[150:155]...),
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:100]...), sliceOf(s, "b", ps[100:150]...)},
			updates:  []int{100, 4}, updated: []string{"a", "b"}},
		{name: "no pods left: the slice becomes the placeholder", pods: nil,
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:3]...)}, updates: []int{0}, updated: []string{"a"}},
		{name: "placeholder kept", pods: nil, existing: []*discovery.EndpointSlice{sliceOf(s, "a")}},
		{name: "no pods: placeholder created", pods: nil, creates: []int{0}},
		{name: "ports changed: slice rewritten in place", pods: ps[:3],
			svc:      svc(func(s *v1.Service) { s.Spec.Ports[0].TargetPort = intstr.FromInt32(9000) }),
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:3]...)}, updates: []int{3}, updated: []string{"a"}},
		{name: "service labels changed", pods: ps[:3], svc: svc(func(s *v1.Service) { s.Labels["team"] = "red" }),
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:3]...)}, updates: []int{3}, updated: []string{"a"}},
		{name: "earlier service's slice deleted", pods: ps[:3],
			existing: []*discovery.EndpointSlice{sliceOf(svc(func(s *v1.Service) { s.UID = "old" }), "a", ps[:3]...)},
			creates:  []int{3}, deleted: []string{"a"}},
		{name: "unsupported address type deleted", pods: ps[:3],
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:3]...), func() *discovery.EndpointSlice {
				x := sliceOf(s, "v6")
				x.AddressType = discovery.AddressTypeIPv6
				return x
			}()}, deleted: []string{"v6"}},
		{name: "endpoints removed from two slices", pods: append(append([]*v1.Pod{}, ps[:40]...), ps[100:150]...),
			existing: []*discovery.EndpointSlice{sliceOf(s, "a", ps[:100]...), sliceOf(s, "b", ps[100:150]...)},
			updates:  []int{40}, updated: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sv := s
			if tt.svc != nil {
				sv = tt.svc
			}
			p := plan(sv, tt.pods, tt.existing...)
			if !equalInts(sizes(p.Create), nz(tt.creates)) {
				t.Errorf("creates %v, want %v", sizes(p.Create), tt.creates)
			}
			if !equalInts(sizes(p.Update), nz(tt.updates)) {
				t.Errorf("updates %v, want %v", sizes(p.Update), tt.updates)
			}
			if got := names(p.Update); len(tt.updated) > 0 && !equalStrings(got, tt.updated) {
				t.Errorf("updated %v, want %v", got, tt.updated)
			}
			if got := names(p.Delete); !equalStrings(got, tt.deleted) {
				t.Errorf("deleted %v, want %v", got, tt.deleted)
			}
			checkPlan(t, sv, tt.pods, tt.existing, p)
		})
	}
}

func nz(x []int) []int {
	if x == nil {
		return []int{}
	}
	return x
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkPlan applies a plan to the existing slices and checks the result:
// every desired endpoint exactly once, no slice over the cap, the
// Service's metadata on every slice; and applying it is idempotent.
func checkPlan(t *testing.T, s *v1.Service, ps []*v1.Pod, existing []*discovery.EndpointSlice, p Plan) {
	t.Helper()
	after := applyPlan(existing, p)
	seen := map[string]int{}
	for _, sl := range after {
		if len(sl.Endpoints) > MaxEndpointsPerSlice {
			t.Errorf("slice %s holds %d endpoints", sl.Name, len(sl.Endpoints))
		}
		if sl.Labels[discovery.LabelServiceName] != "web" || sl.Labels[discovery.LabelManagedBy] != ControllerName || sl.Labels["team"] != s.Labels["team"] {
			t.Errorf("slice %s labels %v", sl.Name, sl.Labels)
		}
		if ref := metav1.GetControllerOf(sl); ref == nil || ref.UID != s.UID {
			t.Errorf("slice %s owner %v", sl.Name, sl.OwnerReferences)
		}
		for _, ep := range sl.Endpoints {
			seen[ep.TargetRef.Name]++
		}
	}
	want := 0
	for _, p := range ps {
		want++
		if seen[p.Name] != 1 {
			t.Errorf("pod %s in %d slices", p.Name, seen[p.Name])
		}
	}
	if len(seen) != want {
		t.Errorf("%d endpoints, want %d", len(seen), want)
	}
	if again := plan(s, ps, after...); !again.Empty() {
		t.Errorf("not idempotent: creates %v updates %v deletes %v", sizes(again.Create), names(again.Update), names(again.Delete))
	}
}

// applyPlan is what the API server would hold after the plan's writes.
func applyPlan(existing []*discovery.EndpointSlice, p Plan) []*discovery.EndpointSlice {
	byName := map[string]*discovery.EndpointSlice{}
	for _, s := range existing {
		byName[s.Name] = s
	}
	for _, s := range p.Delete {
		delete(byName, s.Name)
	}
	for _, s := range p.Update {
		byName[s.Name] = s
	}
	for i, s := range p.Create {
		c := s.DeepCopy()
		c.Name = s.GenerateName + string(rune('x'+i))
		c.UID = "new-" + c.UID
		byName[c.Name] = c
	}
	var out []*discovery.EndpointSlice
	for _, s := range byName {
		out = append(out, s)
	}
	return out
}
