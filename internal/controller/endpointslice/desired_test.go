package endpointslice

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDesiredConditions(t *testing.T) {
	tests := []struct {
		name                        string
		publishNotReady             bool
		mutate                      func(*v1.Pod)
		ready, serving, terminating bool
		absent                      bool
	}{
		{name: "ready", ready: true, serving: true},
		{name: "not ready", mutate: notReady},
		{name: "terminating ready", mutate: terminating, serving: true, terminating: true},
		{name: "terminating not ready", mutate: func(p *v1.Pod) { terminating(p); notReady(p) }, terminating: true},
		{name: "publish not ready", publishNotReady: true, mutate: notReady, ready: true},
		{name: "publish not ready, terminating", publishNotReady: true, mutate: terminating, ready: true, serving: true, terminating: true},
		{name: "no IP", mutate: func(p *v1.Pod) { p.Status.PodIP, p.Status.PodIPs = "", nil }, absent: true},
		{name: "succeeded", mutate: func(p *v1.Pod) { p.Status.Phase = v1.PodSucceeded }, absent: true},
		{name: "failed", mutate: func(p *v1.Pod) { p.Status.Phase = v1.PodFailed }, absent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := svc(func(s *v1.Service) { s.Spec.PublishNotReadyAddresses = tt.publishNotReady })
			p := pod("a", "10.244.0.5")
			if tt.mutate != nil {
				tt.mutate(p)
			}
			groups, _ := Desired(s, []*v1.Pod{p}, nil)
			if tt.absent {
				if len(groups) != 0 {
					t.Fatalf("want no endpoints, got %+v", groups)
				}
				return
			}
			if len(groups) != 1 || len(groups[0].Endpoints) != 1 {
				t.Fatalf("want one endpoint, got %+v", groups)
			}
			c := groups[0].Endpoints[0].Conditions
			if *c.Ready != tt.ready || *c.Serving != tt.serving || *c.Terminating != tt.terminating {
				t.Errorf("ready/serving/terminating = %v/%v/%v, want %v/%v/%v", *c.Ready, *c.Serving, *c.Terminating, tt.ready, tt.serving, tt.terminating)
			}
		})
	}
}

// Every field of an endpoint, and a port resolved by name.
func TestDesiredEndpointFields(t *testing.T) {
	p := pod("a", "10.244.0.5", func(p *v1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "a-0", "web" })
	zones := func(node string) (string, bool) { return "zone-1", node == "node-a" }
	groups, skipped := Desired(svc(), []*v1.Pod{p}, zones)
	if skipped != 0 || len(groups) != 1 {
		t.Fatalf("groups %+v skipped %d", groups, skipped)
	}
	want := discovery.Endpoint{
		Addresses:  []string{"10.244.0.5"},
		Conditions: discovery.EndpointConditions{Ready: ptr(true), Serving: ptr(true), Terminating: ptr(false)},
		Hostname:   ptr("a-0"),
		TargetRef:  &v1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: "a", UID: "a-uid"},
		NodeName:   ptr("node-a"),
		Zone:       ptr("zone-1"),
	}
	if got := groups[0].Endpoints[0]; !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("endpoint\n got %+v\nwant %+v", got, want)
	}
	wantPorts := []discovery.EndpointPort{{Name: ptr("web"), Port: ptr(int32(8080)), Protocol: ptr(v1.ProtocolTCP)}}
	if !equality.Semantic.DeepEqual(groups[0].Ports, wantPorts) {
		t.Errorf("ports %+v", groups[0].Ports)
	}
	// A pod whose subdomain names another Service gets no hostname here.
	p.Spec.Subdomain = "other"
	groups, _ = Desired(svc(), []*v1.Pod{p}, zones)
	if groups[0].Endpoints[0].Hostname != nil {
		t.Errorf("hostname set for another Service's subdomain")
	}
}

// Pods resolving a named port differently (or not at all) land in
// different groups; numbers pass through.
func TestDesiredPortGroups(t *testing.T) {
	a := pod("a", "10.244.0.5")
	b := pod("b", "10.244.0.6", func(p *v1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 9090 })
	c := pod("c", "10.244.0.7", func(p *v1.Pod) { p.Spec.Containers[0].Ports = nil })
	s := svc(func(s *v1.Service) {
		s.Spec.Ports = append(s.Spec.Ports, v1.ServicePort{Name: "metrics", Port: 9000, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromInt32(9100)})
	})
	groups, _ := Desired(s, []*v1.Pod{a, b, c}, nil)
	if len(groups) != 3 {
		t.Fatalf("want 3 groups, got %d: %+v", len(groups), groups)
	}
	seen := map[string]int{}
	for _, g := range groups {
		ports := map[string]int32{}
		for _, p := range g.Ports {
			ports[*p.Name] = *p.Port
		}
		if ports["metrics"] != 9100 {
			t.Errorf("numeric targetPort: %v", ports)
		}
		seen[g.Endpoints[0].TargetRef.Name] = int(ports["web"])
	}
	if seen["a"] != 8080 || seen["b"] != 9090 || seen["c"] != 0 {
		t.Errorf("web port per pod: %v", seen)
	}
}

// A pod on an unknown node is left out (and counted) unless the Service
// publishes not-ready addresses.
func TestDesiredUnknownNode(t *testing.T) {
	zones := func(string) (string, bool) { return "", false }
	groups, skipped := Desired(svc(), []*v1.Pod{pod("a", "10.244.0.5")}, zones)
	if len(groups) != 0 || skipped != 1 {
		t.Errorf("groups %d skipped %d, want 0 and 1", len(groups), skipped)
	}
	groups, skipped = Desired(svc(func(s *v1.Service) { s.Spec.PublishNotReadyAddresses = true }), []*v1.Pod{pod("a", "10.244.0.5")}, zones)
	if len(groups) != 1 || skipped != 0 {
		t.Errorf("publishNotReady: groups %d skipped %d, want 1 and 0", len(groups), skipped)
	}
}

func TestAddressTypes(t *testing.T) {
	tests := []struct {
		name string
		s    func(*v1.Service)
		want []discovery.AddressType
	}{
		{"families", func(s *v1.Service) {}, []discovery.AddressType{discovery.AddressTypeIPv4}},
		{"dual", func(s *v1.Service) { s.Spec.IPFamilies = []v1.IPFamily{v1.IPv6Protocol, v1.IPv4Protocol} }, []discovery.AddressType{discovery.AddressTypeIPv6, discovery.AddressTypeIPv4}},
		{"v6 cluster IP", func(s *v1.Service) { s.Spec.IPFamilies, s.Spec.ClusterIP = nil, "fd00::10" }, []discovery.AddressType{discovery.AddressTypeIPv6}},
		{"headless", func(s *v1.Service) { s.Spec.IPFamilies, s.Spec.ClusterIP = nil, "None" }, []discovery.AddressType{discovery.AddressTypeIPv4, discovery.AddressTypeIPv6}},
	}
	for _, tt := range tests {
		if got := AddressTypes(svc(tt.s)); !equality.Semantic.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// An IPv6 pod of a family-less headless Service is an IPv6 endpoint.
	s := svc(func(s *v1.Service) { s.Spec.IPFamilies, s.Spec.ClusterIP = nil, "None" })
	groups, _ := Desired(s, []*v1.Pod{pod("a", "fd00:10:244::5")}, nil)
	if len(groups) != 1 || groups[0].AddressType != discovery.AddressTypeIPv6 {
		t.Errorf("v6 pod: %+v", groups)
	}
}

func TestSliceLabels(t *testing.T) {
	got := SliceLabels(svc(func(s *v1.Service) {
		s.Spec.ClusterIP = "None"
		s.Labels["endpointslice.kubernetes.io/managed-by"] = "someone"
	}))
	want := map[string]string{
		"team": "blue", "service.kubernetes.io/headless": "",
		"kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": ControllerName,
	}
	if !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
}

// spec.trafficDistribution puts upstream's hints on the endpoints:
// PreferSameZone/PreferClose the endpoint's zone, PreferSameNode its node
// and zone; none without it, or for an endpoint whose zone is unknown.
func TestDesiredTrafficHints(t *testing.T) {
	p := pod("a", "10.244.0.5")
	q := pod("b", "10.244.0.6", func(p *v1.Pod) { p.Spec.NodeName = "node-b" })
	zones := func(node string) (string, bool) {
		if node == "node-a" {
			return "zone-1", true
		}
		return "", true
	}
	for _, tc := range []struct {
		td    *string
		hints *discovery.EndpointHints
	}{
		{nil, nil},
		{ptr(v1.ServiceTrafficDistributionPreferClose), &discovery.EndpointHints{ForZones: []discovery.ForZone{{Name: "zone-1"}}}},
		{ptr(v1.ServiceTrafficDistributionPreferSameZone), &discovery.EndpointHints{ForZones: []discovery.ForZone{{Name: "zone-1"}}}},
		{ptr(v1.ServiceTrafficDistributionPreferSameNode), &discovery.EndpointHints{ForZones: []discovery.ForZone{{Name: "zone-1"}}, ForNodes: []discovery.ForNode{{Name: "node-a"}}}},
		{ptr("Elsewhere"), nil},
	} {
		s := svc()
		s.Spec.TrafficDistribution = tc.td
		groups, _ := Desired(s, []*v1.Pod{p, q}, zones)
		var byIP = map[string]*discovery.EndpointHints{}
		for _, e := range groups[0].Endpoints {
			byIP[e.Addresses[0]] = e.Hints
		}
		if !equality.Semantic.DeepEqual(byIP["10.244.0.5"], tc.hints) {
			t.Errorf("trafficDistribution %v: hints %+v, want %+v", tc.td, byIP["10.244.0.5"], tc.hints)
		}
		if h := byIP["10.244.0.6"]; h != nil && len(h.ForZones) > 0 {
			t.Errorf("trafficDistribution %v: an endpoint without a zone got zone hints %+v", tc.td, h)
		}
	}
}
