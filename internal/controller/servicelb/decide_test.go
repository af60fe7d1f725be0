package servicelb

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name string, ready bool, addrs ...v1.NodeAddress) *v1.Node {
	st := v1.ConditionFalse
	if ready {
		st = v1.ConditionTrue
	}
	return &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status:     v1.NodeStatus{Addresses: addrs, Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: st}}},
	}
}

func internal(ip string) v1.NodeAddress { return v1.NodeAddress{Type: v1.NodeInternalIP, Address: ip} }
func external(ip string) v1.NodeAddress { return v1.NodeAddress{Type: v1.NodeExternalIP, Address: ip} }

func lb(mutate ...func(*v1.Service)) *v1.Service {
	s := &v1.Service{Spec: v1.ServiceSpec{Type: v1.ServiceTypeLoadBalancer, IPFamilies: []v1.IPFamily{v1.IPv4Protocol}}}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func TestIngress(t *testing.T) {
	cordoned := node("c", true, internal("10.0.0.9"))
	cordoned.Spec.Unschedulable = true
	excluded := node("x", true, internal("10.0.0.8"))
	excluded.Labels = map[string]string{excludeLabel: ""}
	nodes := []*v1.Node{
		node("b", true, internal("10.0.0.20"), v1.NodeAddress{Type: v1.NodeHostName, Address: "b"}),
		node("a", true, internal("10.0.0.3"), external("203.0.113.7")),
		node("d", false, internal("10.0.0.4")),
		node("v6", true, internal("fd00::5")),
		node("dup", true, internal("10.0.0.20")),
		cordoned, excluded,
	}
	tests := []struct {
		name string
		svc  *v1.Service
		want []string
	}{
		{"ready schedulable nodes, external first, sorted", lb(), []string{"10.0.0.20", "203.0.113.7"}},
		{"dual stack", lb(func(s *v1.Service) { s.Spec.IPFamilies = []v1.IPFamily{v1.IPv4Protocol, v1.IPv6Protocol} }), []string{"10.0.0.20", "203.0.113.7", "fd00::5"}},
		{"another class", lb(func(s *v1.Service) { c := "x"; s.Spec.LoadBalancerClass = &c }), nil},
		{"not a load balancer", lb(func(s *v1.Service) { s.Spec.Type = v1.ServiceTypeNodePort }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Ingress(tt.svc, nodes)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %v", got, tt.want)
			}
			for i, in := range got {
				if in.IP != tt.want[i] || in.IPMode == nil || *in.IPMode != v1.LoadBalancerIPModeVIP || in.Hostname != "" {
					t.Errorf("ingress %d: %+v, want %s with ipMode VIP", i, in, tt.want[i])
				}
			}
		})
	}
}
