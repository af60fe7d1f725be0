package network

import (
	"fmt"
	"net"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name string, podCIDRs []string, addrs ...string) *v1.Node {
	n := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1.NodeSpec{PodCIDRs: podCIDRs}}
	if len(podCIDRs) > 0 {
		n.Spec.PodCIDR = podCIDRs[0]
	}
	for _, a := range addrs {
		typ, addr, _ := strings.Cut(a, "=")
		n.Status.Addresses = append(n.Status.Addresses, v1.NodeAddress{Type: v1.NodeAddressType(typ), Address: addr})
	}
	return n
}

func route(dst, gw string) Route {
	_, n, err := net.ParseCIDR(dst)
	if err != nil {
		panic(err)
	}
	ip := net.ParseIP(gw)
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
	}
	return Route{Dst: n, Gateway: ip}
}

func routeStrings(rs []Route) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func TestDesiredRoutes(t *testing.T) {
	cidrs := func(c ...string) []string { return c }
	tests := []struct {
		name  string
		nodes []*v1.Node
		want  []string
	}{
		{"no nodes", nil, nil},
		{
			"only self: the bridge already routes its own CIDR",
			[]*v1.Node{node("a", cidrs("10.244.0.0/24"), "InternalIP=172.31.250.11")},
			nil,
		},
		{
			"every other node via its InternalIP, sorted",
			[]*v1.Node{
				node("c", cidrs("10.244.2.0/24"), "InternalIP=172.31.250.13"),
				node("a", cidrs("10.244.0.0/24"), "InternalIP=172.31.250.11"),
				node("b", cidrs("10.244.1.0/24"), "Hostname=b", "ExternalIP=203.0.113.5", "InternalIP=172.31.250.12"),
			},
			[]string{"10.244.1.0/24 via 172.31.250.12", "10.244.2.0/24 via 172.31.250.13"},
		},
		{
			"nodes without a pod CIDR or an InternalIP are skipped",
			[]*v1.Node{
				node("b", nil, "InternalIP=172.31.250.12"),
				node("c", cidrs("10.244.2.0/24"), "Hostname=c", "ExternalIP=203.0.113.6"),
				node("d", cidrs("not-a-cidr"), "InternalIP=172.31.250.14"),
			},
			nil,
		},
		{
			"virtual nodes (orca agent --simulate) have no pod network to route to",
			[]*v1.Node{func() *v1.Node {
				n := node("sim-1", cidrs("10.244.7.0/24"), "InternalIP=10.255.0.7")
				n.Labels = map[string]string{"orca.dev/virtual": "true"}
				return n
			}()},
			nil,
		},
		{
			"the old single spec.podCIDR is used when podCIDRs is empty",
			[]*v1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Spec: v1.NodeSpec{PodCIDR: "10.244.1.0/24"},
				Status: v1.NodeStatus{Addresses: []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: "172.31.250.12"}}}}},
			[]string{"10.244.1.0/24 via 172.31.250.12"},
		},
		{
			"dual stack: each CIDR via the address of its family",
			[]*v1.Node{node("b", cidrs("10.244.1.0/24", "fd00:10:244:1::/64"), "InternalIP=fd00::12", "InternalIP=172.31.250.12")},
			[]string{"10.244.1.0/24 via 172.31.250.12", "fd00:10:244:1::/64 via fd00::12"},
		},
		{
			"a family without an address of that family gets no route",
			[]*v1.Node{node("b", cidrs("10.244.1.0/24", "fd00:10:244:1::/64"), "InternalIP=172.31.250.12")},
			[]string{"10.244.1.0/24 via 172.31.250.12"},
		},
		{
			"two nodes claiming one CIDR: the first by name wins, whatever the list order",
			[]*v1.Node{
				node("z", cidrs("10.244.1.0/24"), "InternalIP=172.31.250.26"),
				node("b", cidrs("10.244.1.0/24"), "InternalIP=172.31.250.12"),
			},
			[]string{"10.244.1.0/24 via 172.31.250.12"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := routeStrings(DesiredRoutes("a", tt.nodes))
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPlanRoutes(t *testing.T) {
	tests := []struct {
		name             string
		desired, current []Route
		replace, remove  []string
	}{
		{"nothing", nil, nil, nil, nil},
		{
			"a new node: add",
			[]Route{route("10.244.1.0/24", "172.31.250.12")}, nil,
			[]string{"10.244.1.0/24 via 172.31.250.12"}, nil,
		},
		{
			"in place: nothing to do",
			[]Route{route("10.244.1.0/24", "172.31.250.12")},
			[]Route{route("10.244.1.0/24", "172.31.250.12")},
			nil, nil,
		},
		{
			"a node changed its address: replace",
			[]Route{route("10.244.1.0/24", "172.31.250.22")},
			[]Route{route("10.244.1.0/24", "172.31.250.12")},
			[]string{"10.244.1.0/24 via 172.31.250.22"}, nil,
		},
		{
			"a node went away: remove only that one",
			[]Route{route("10.244.1.0/24", "172.31.250.12")},
			[]Route{route("10.244.2.0/24", "172.31.250.13"), route("10.244.1.0/24", "172.31.250.12"), route("10.244.3.0/24", "172.31.250.14")},
			nil, []string{"10.244.2.0/24 via 172.31.250.13", "10.244.3.0/24 via 172.31.250.14"},
		},
		{
			"all at once",
			[]Route{route("10.244.1.0/24", "172.31.250.12"), route("10.244.4.0/24", "172.31.250.15"), route("10.244.5.0/24", "172.31.250.16")},
			[]Route{route("10.244.1.0/24", "172.31.250.12"), route("10.244.4.0/24", "172.31.250.99"), route("10.244.9.0/24", "172.31.250.19")},
			[]string{"10.244.4.0/24 via 172.31.250.15", "10.244.5.0/24 via 172.31.250.16"},
			[]string{"10.244.9.0/24 via 172.31.250.19"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replace, remove := PlanRoutes(tt.desired, tt.current)
			if got, want := strings.Join(routeStrings(replace), "; "), strings.Join(tt.replace, "; "); got != want {
				t.Errorf("replace %q, want %q", got, want)
			}
			if got, want := strings.Join(routeStrings(remove), "; "), strings.Join(tt.remove, "; "); got != want {
				t.Errorf("remove %q, want %q", got, want)
			}
		})
	}
}

// BenchmarkPlanRoutes5000Nodes is one sync's pure work in a 5,000-node
// cluster where one node changed its address.
func BenchmarkPlanRoutes5000Nodes(b *testing.B) {
	nodes := make([]*v1.Node, 5000)
	for i := range nodes {
		nodes[i] = node(fmt.Sprintf("n%04d", i), []string{fmt.Sprintf("10.%d.%d.0/24", 100+i/256, i%256)},
			fmt.Sprintf("InternalIP=172.16.%d.%d", i/256, 1+i%250))
	}
	current := DesiredRoutes("n0000", nodes)
	nodes[4999].Status.Addresses[0].Address = "172.17.0.1"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		replace, remove := PlanRoutes(DesiredRoutes("n0000", nodes), current)
		if len(replace) != 1 || len(remove) != 0 {
			b.Fatalf("replace %d remove %d", len(replace), len(remove))
		}
	}
}
