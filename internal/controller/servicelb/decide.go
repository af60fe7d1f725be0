package servicelb

import (
	"net/netip"
	"slices"
	"sort"

	v1 "k8s.io/api/core/v1"
)

// excludeLabel keeps a node out of every load balancer (upstream's
// service controller honours it too).
const excludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers"

// Managed: a LoadBalancer Service that no other implementation claimed
// with spec.loadBalancerClass.
func Managed(s *v1.Service) bool {
	return s.Spec.Type == v1.ServiceTypeLoadBalancer && s.Spec.LoadBalancerClass == nil
}

// NodeAddresses is what one node contributes to every load balancer: its
// ExternalIPs, or its InternalIPs when it has none; nothing unless it is
// Ready, schedulable and not excluded.
func NodeAddresses(n *v1.Node) []string {
	if !eligible(n) {
		return nil
	}
	for _, t := range []v1.NodeAddressType{v1.NodeExternalIP, v1.NodeInternalIP} {
		var out []string
		for _, a := range n.Status.Addresses {
			if a.Type == t {
				out = append(out, a.Address)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

func eligible(n *v1.Node) bool {
	if n.Spec.Unschedulable || n.DeletionTimestamp != nil {
		return false
	}
	if _, excluded := n.Labels[excludeLabel]; excluded {
		return false
	}
	for _, c := range n.Status.Conditions {
		if c.Type == v1.NodeReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

// Ingress is the load balancer status a Service should have: for a
// managed Service the addresses of every eligible node (of the Service's
// IP families), sorted, with ipMode VIP (the proxy answers on them); for
// any other, none.
func Ingress(s *v1.Service, nodes []*v1.Node) []v1.LoadBalancerIngress {
	if !Managed(s) {
		return nil
	}
	seen := map[string]bool{}
	var addrs []netip.Addr
	for _, n := range nodes {
		for _, a := range NodeAddresses(n) {
			ip, err := netip.ParseAddr(a)
			if err != nil || seen[a] || !familyOK(s, ip) {
				continue
			}
			seen[a] = true
			addrs = append(addrs, ip)
		}
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	out := make([]v1.LoadBalancerIngress, 0, len(addrs))
	for _, ip := range addrs {
		mode := v1.LoadBalancerIPModeVIP
		out = append(out, v1.LoadBalancerIngress{IP: ip.String(), IPMode: &mode})
	}
	return out
}

// familyOK: the address is of one of the Service's IP families (any, when
// the Service names none).
func familyOK(s *v1.Service, ip netip.Addr) bool {
	if len(s.Spec.IPFamilies) == 0 {
		return true
	}
	want := v1.IPv4Protocol
	if ip.Is6() && !ip.Is4In6() {
		want = v1.IPv6Protocol
	}
	return slices.Contains(s.Spec.IPFamilies, want)
}
