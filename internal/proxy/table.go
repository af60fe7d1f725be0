package proxy

import (
	"sigs.k8s.io/knftables"
)

// baseChain is a chain attached to a netfilter hook, and the jumps it
// makes.
type baseChain struct {
	name     string
	typ      knftables.BaseChainType
	hook     knftables.BaseChainHook
	priority knftables.BaseChainPriority
	rules    []string
}

// baseChains hook the table in. The filter chains run just before DNAT
// (dstnat-10), so they see the address the client asked for: traffic to
// a load balancer IP from outside its loadBalancerSourceRanges is dropped
// there, and traffic to a Service without endpoints rejected. Traffic to a ClusterIP
// that was not DNATed (a port the Service does not have, or an address no
// Service has) is rejected or dropped after DNAT, in forward and in
// output-post-dnat, so it never leaves by the default route.
func baseChains() []baseChain {
	return []baseChain{
		{"filter-prerouting", knftables.FilterType, knftables.PreroutingHook, knftables.DNATPriority + "-10", []string{
			"ct state new jump " + firewallCheckChain,
		}},
		{"filter-input", knftables.FilterType, knftables.InputHook, knftables.DNATPriority + "-10", []string{
			"ct state new jump " + nodePortEndpointsCheckChain,
			"ct state new jump " + serviceEndpointsCheckChain,
		}},
		{"filter-forward", knftables.FilterType, knftables.ForwardHook, knftables.DNATPriority + "-10", []string{
			"ct state new jump " + serviceEndpointsCheckChain,
			"ct state new jump " + clusterIPsCheckChain,
		}},
		{"filter-output", knftables.FilterType, knftables.OutputHook, knftables.DNATPriority + "-10", []string{
			"ct state new jump " + firewallCheckChain,
			"ct state new jump " + serviceEndpointsCheckChain,
		}},
		{"filter-output-post-dnat", knftables.FilterType, knftables.OutputHook, knftables.DNATPriority + "+10", []string{
			"ct state new jump " + clusterIPsCheckChain,
		}},
		{"nat-prerouting", knftables.NATType, knftables.PreroutingHook, knftables.DNATPriority, []string{
			"jump " + servicesChain,
		}},
		{"nat-output", knftables.NATType, knftables.OutputHook, knftables.DNATPriority, []string{
			"jump " + servicesChain,
		}},
		{"nat-postrouting", knftables.NATType, knftables.PostroutingHook, knftables.SNATPriority, []string{
			"jump " + masqueradingChain,
		}},
	}
}

// nodeLocal matches traffic to any of this node's addresses but loopback:
// NodePorts answer on every node address (127.0.0.1 would need
// route_localnet, as kube-proxy's nftables mode, orca does not).
const nodeLocal = "fib daddr type local ip daddr != 127.0.0.0/8"

// fixedChains are the regular chains whose rules depend only on Params.
func fixedChains(p Params) []chain {
	clusterIPsCheck := []string{"ip daddr @" + clusterIPsSet + " reject"}
	if p.ServiceCIDR != "" {
		clusterIPsCheck = append(clusterIPsCheck, "ip daddr "+p.ServiceCIDR+" drop")
	}
	return []chain{
		{servicesChain, []string{
			"ip daddr . meta l4proto . th dport vmap @" + serviceIPsMap,
			nodeLocal + " meta l4proto . th dport vmap @" + serviceNodePortsMap,
		}},
		{serviceEndpointsCheckChain, []string{
			"ip daddr . meta l4proto . th dport vmap @" + noEndpointServicesMap,
		}},
		{nodePortEndpointsCheckChain, []string{
			nodeLocal + " meta l4proto . th dport vmap @" + noEndpointNodePortsMap,
		}},
		{clusterIPsCheckChain, clusterIPsCheck},
		{firewallCheckChain, []string{
			"ip daddr . meta l4proto . th dport vmap @" + firewallIPsMap,
		}},
		// TCP gets a reset, the rest ICMP port unreachable: either way
		// the client fails at once instead of timing out.
		{rejectChain, []string{
			"meta l4proto tcp reject with tcp reset",
			"reject",
		}},
		{markMasqChain, []string{
			"mark set mark or " + masqueradeMark,
		}},
		{masqueradingChain, []string{
			"mark and " + masqueradeMark + " == 0 return",
			"mark set mark xor " + masqueradeMark,
			"masquerade fully-random",
		}},
	}
}

// fixedMaps are the dispatch maps and sets every sync refills.
func fixedMaps() []knftables.Object {
	return []knftables.Object{
		&knftables.Map{Name: serviceIPsMap, Type: "ipv4_addr . inet_proto . inet_service : verdict",
			Comment: knftables.PtrTo("ClusterIP, external and load balancer IP traffic")},
		&knftables.Map{Name: serviceNodePortsMap, Type: "inet_proto . inet_service : verdict",
			Comment: knftables.PtrTo("NodePort traffic")},
		&knftables.Map{Name: noEndpointServicesMap, Type: "ipv4_addr . inet_proto . inet_service : verdict",
			Comment: knftables.PtrTo("Service addresses without usable endpoints")},
		&knftables.Map{Name: noEndpointNodePortsMap, Type: "inet_proto . inet_service : verdict",
			Comment: knftables.PtrTo("NodePorts without usable endpoints")},
		&knftables.Set{Name: clusterIPsSet, Type: "ipv4_addr",
			Comment: knftables.PtrTo("ClusterIPs of Services")},
		&knftables.Map{Name: firewallIPsMap, Type: "ipv4_addr . inet_proto . inet_service : verdict",
			Comment: knftables.PtrTo("load balancer IPs limited to loadBalancerSourceRanges")},
	}
}

// flushObject returns an object naming the same map or set, for Flush.
func flushObject(o knftables.Object) knftables.Object {
	switch o := o.(type) {
	case *knftables.Map:
		return &knftables.Map{Name: o.Name}
	case *knftables.Set:
		return &knftables.Set{Name: o.Name}
	}
	return o
}
