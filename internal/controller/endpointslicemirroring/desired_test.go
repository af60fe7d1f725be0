package endpointslicemirroring

import (
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"orca/internal/controller/endpointslice"
)

func endpoints(subsets ...v1.EndpointSubset) *v1.Endpoints {
	return &v1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "ns", UID: "ep-uid",
			Labels:      map[string]string{"team": "db"},
			Annotations: map[string]string{"note": "x", v1.EndpointsLastChangeTriggerTime: "t", v1.LastAppliedConfigAnnotation: "{}"}},
		Subsets: subsets,
	}
}

func ips(prefix string, n int) []v1.EndpointAddress {
	out := make([]v1.EndpointAddress, n)
	for i := range out {
		out[i] = v1.EndpointAddress{IP: fmt.Sprintf("%s%d.%d", prefix, i/250, i%250)}
	}
	return out
}

func TestShouldMirror(t *testing.T) {
	ep := endpoints()
	if !ShouldMirror(ep) {
		t.Error("plain Endpoints not mirrored")
	}
	ep.Labels[skipMirrorLabel] = "true"
	if ShouldMirror(ep) {
		t.Error("skip-mirror=true mirrored")
	}
	ep = endpoints()
	ep.Annotations[leaderAnnotation] = "{}"
	if ShouldMirror(ep) {
		t.Error("a leader election lock mirrored")
	}
}

func TestDesired(t *testing.T) {
	port := []v1.EndpointPort{{Name: "db", Port: 5432}}
	node := "n1"
	ep := endpoints(
		v1.EndpointSubset{
			Addresses:         []v1.EndpointAddress{{IP: "10.0.0.1", Hostname: "h1", NodeName: &node}, {IP: "fd00::1"}, {IP: "bogus"}},
			NotReadyAddresses: []v1.EndpointAddress{{IP: "10.0.0.2"}},
			Ports:             port,
		},
		v1.EndpointSubset{Addresses: ips("10.1.", 1001), Ports: []v1.EndpointPort{{Name: "db", Port: 6432}}},
	)
	groups, skipped := Desired(ep)
	if skipped != 2 {
		t.Errorf("skipped %d, want 2 (one invalid IP, one over the per-subset limit)", skipped)
	}
	count := map[string]int{}
	for _, g := range groups {
		count[fmt.Sprintf("%s/%d", g.AddressType, *g.Ports[0].Port)] = len(g.Endpoints)
	}
	want := map[string]int{"IPv4/5432": 2, "IPv6/5432": 1, "IPv4/6432": 1000}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("groups %v, want %v", count, want)
	}
	first := groups[0].Endpoints
	if *first[0].Conditions.Ready != true || *first[0].Hostname != "h1" || *first[0].NodeName != "n1" || *first[1].Conditions.Ready != false {
		t.Errorf("endpoints %+v", first)
	}
	if *groups[0].Ports[0].Protocol != v1.ProtocolTCP {
		t.Errorf("protocol not defaulted: %+v", groups[0].Ports)
	}

	// Mirrored slices: the Endpoints' labels and annotations (but two),
	// owned by it, 1000 a slice.
	plan := endpointslice.Decide(TargetFor(ep, groups), nil)
	if len(plan.Create) != 3 {
		t.Fatalf("want 3 slices, got %d", len(plan.Create))
	}
	s := plan.Create[0]
	if s.Labels["team"] != "db" || s.Labels[discovery.LabelServiceName] != "ext" || s.Labels[discovery.LabelManagedBy] != ControllerName {
		t.Errorf("labels %v", s.Labels)
	}
	if len(s.Annotations) != 1 || s.Annotations["note"] != "x" {
		t.Errorf("annotations %v", s.Annotations)
	}
	if ref := metav1.GetControllerOf(s); ref == nil || ref.Kind != "Endpoints" || ref.UID != "ep-uid" {
		t.Errorf("owner %+v", s.OwnerReferences)
	}
	// An annotation change on the Endpoints updates the slices.
	existing := []*discovery.EndpointSlice{}
	for i, c := range plan.Create {
		c.Name = fmt.Sprintf("ext-%d", i)
		existing = append(existing, c)
	}
	ep.Annotations["note"] = "y"
	again := endpointslice.Decide(TargetFor(ep, groups), existing)
	if len(again.Update) != 3 || len(again.Create)+len(again.Delete) != 0 {
		t.Errorf("annotation change: %d updates %d creates %d deletes, want 3 updates", len(again.Update), len(again.Create), len(again.Delete))
	}
}
