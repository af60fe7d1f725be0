package proxy

import (
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	"sigs.k8s.io/knftables"
)

// Params are the cluster facts the rules depend on.
type Params struct {
	// NodeName tells this node's endpoints (Local traffic policies).
	NodeName string
	// ServiceCIDR: traffic to an address in it that no Service has is
	// dropped rather than routed out.
	ServiceCIDR string
	// ClusterCIDR: ClusterIP traffic from outside it (the node, other
	// hosts) is masqueraded; pod traffic keeps its source.
	ClusterCIDR string
	// Zone is this node's topology.kubernetes.io/zone, for topology
	// hints; the proxiers read it from their source at every sync.
	Zone string
}

// serviceRules is everything one Service puts in the table. It is built by
// serviceRulesFor, a pure function of the Service and its EndpointSlices,
// and compared with the previous one to write only what changed.
type serviceRules struct {
	chains   []chain
	affinity []affinitySet
	elements []*knftables.Element
	// udp describes the UDP ports, to flush conntrack entries of
	// endpoints that went away.
	udp []udpPort
}

// chain is a regular chain and its rules in order.
type chain struct {
	name  string
	rules []string
}

// affinitySet remembers the clients of one endpoint for ClientIP affinity.
type affinitySet struct {
	name    string
	timeout int32
}

// udpPort is a UDP Service port: where clients send and where it went.
type udpPort struct {
	ips       []string // ClusterIP, external and load balancer IPs
	port      int32
	nodePort  int32
	endpoints []string // endpoint IPs traffic may be sent to
}

// serviceRulesFor builds a Service's rules; nil when the proxy has nothing
// to program for it.
func serviceRulesFor(p Params, svc *v1.Service, slices []*discovery.EndpointSlice) *serviceRules {
	ports := proxiedPorts(p, svc, slices)
	if len(ports) == 0 {
		return nil
	}
	r := &serviceRules{}
	for _, pp := range ports {
		r.addPort(p, pp.servicePort, pp.eps)
		if u, ok := udpPortOf(pp); ok {
			r.udp = append(r.udp, u)
		}
	}
	r.addElement(&knftables.Element{Set: clusterIPsSet, Key: []string{svc.Spec.ClusterIP}})
	sort.Slice(r.chains, func(i, j int) bool { return r.chains[i].name < r.chains[j].name })
	return r
}

// portChains are the names of a port's policy chains.
type portChains struct {
	cluster, local, external string
}

func chainsOf(sp *servicePort) portChains {
	base := hashed(sp.name())
	return portChains{clusterChainPrefix + base, localChainPrefix + base, externalChainPrefix + base}
}

// addPort writes one Service port, as kube-proxy's nftables mode does:
// its addresses map to a policy chain (Cluster: all endpoints, Local: this
// node's), external addresses go through an external chain first, and
// addresses without usable endpoints are rejected (none anywhere) or
// dropped (none on this node under a Local policy).
func (r *serviceRules) addPort(p Params, sp *servicePort, c categorized) {
	names := chainsOf(sp)
	internalChain, hasInternal := names.cluster, c.any
	if sp.internalLocal {
		internalChain, hasInternal = names.local, len(c.local) > 0
	}
	externalPolicy, hasExternal := names.cluster, c.any
	if sp.externalLocal {
		externalPolicy, hasExternal = names.local, len(c.local) > 0
	}
	internalVerdict, externalVerdict := "drop", "drop"
	if !c.any {
		internalVerdict, externalVerdict = "goto "+rejectChain, "goto "+rejectChain
	}

	proto, port := sp.protocol, itoa(sp.port)
	if hasInternal {
		r.addMapElement(serviceIPsMap, []string{sp.clusterIP, proto, port}, "goto "+internalChain, "")
	} else {
		r.addMapElement(noEndpointServicesMap, []string{sp.clusterIP, proto, port}, internalVerdict, sp.name())
	}
	for _, ip := range append(append([]string{}, sp.externalIPs...), sp.loadBalancerIPs...) {
		if c.any {
			r.addMapElement(serviceIPsMap, []string{ip, proto, port}, "goto "+names.external, "")
		}
		if !hasExternal {
			r.addMapElement(noEndpointServicesMap, []string{ip, proto, port}, externalVerdict, sp.name())
		}
	}
	if sp.firewalled() {
		r.addFirewall(sp)
	}
	if sp.nodePort != 0 {
		np := itoa(sp.nodePort)
		if c.any {
			r.addMapElement(serviceNodePortsMap, []string{proto, np}, "goto "+names.external, "")
		}
		if !hasExternal {
			r.addMapElement(noEndpointNodePortsMap, []string{proto, np}, externalVerdict, sp.name())
		}
	}

	if len(c.cluster) > 0 && sp.usesClusterEndpoints() {
		r.addPolicyChain(p, sp, names.cluster, c.cluster, hasInternal && internalChain == names.cluster)
	}
	if len(c.local) > 0 && sp.usesLocalEndpoints() {
		r.addPolicyChain(p, sp, names.local, c.local, hasInternal && internalChain == names.local)
	}
	if c.any && sp.externallyReachable() {
		r.addExternalChain(p, sp, names, externalPolicy, hasExternal)
	}
	for _, ep := range c.reachable() {
		r.addEndpoint(sp, ep)
	}
}

// addFirewall drops traffic to the port's load balancer IPs from clients
// outside its loadBalancerSourceRanges, before DNAT, as kube-proxy's
// firewall chains do. NodePort, ClusterIP and external IP traffic is not
// limited (as upstream).
func (r *serviceRules) addFirewall(sp *servicePort) {
	name := firewallChainPrefix + hashed(sp.name())
	proto, port := sp.protocol, itoa(sp.port)
	for _, ip := range sp.loadBalancerIPs {
		r.addMapElement(firewallIPsMap, []string{ip, proto, port}, "goto "+name, "")
	}
	r.chains = append(r.chains, chain{name, []string{
		"ip saddr != { " + strings.Join(sp.sourceRanges, ", ") + " } drop",
	}})
}

// addPolicyChain balances over eps at random; with ClientIP affinity a
// client seen recently goes back to its endpoint first. ClusterIP traffic
// from outside the pod network is masqueraded (the node itself, or hosts
// routing the Service range to this node), so replies come back here.
func (r *serviceRules) addPolicyChain(p Params, sp *servicePort, name string, eps []endpoint, internal bool) {
	var rules []string
	if internal && p.ClusterCIDR != "" {
		rules = append(rules, knftables.Concat(
			"ip daddr", sp.clusterIP, sp.protocol, "dport", sp.port,
			"ip saddr !=", p.ClusterCIDR, "jump", markMasqChain))
	}
	if sp.affinitySeconds > 0 {
		for _, ep := range eps {
			rules = append(rules, knftables.Concat(
				"ip saddr", "@"+affinityName(sp, ep), "goto", endpointChain(sp, ep)))
		}
	}
	var vmap []string
	for i, ep := range eps {
		if i > 0 {
			vmap = append(vmap, ",")
		}
		vmap = append(vmap, fmt.Sprint(i), ":", "goto", endpointChain(sp, ep))
	}
	rules = append(rules, knftables.Concat("numgen random mod", len(eps), "vmap {", vmap, "}"))
	r.chains = append(r.chains, chain{name, rules})
}

// addExternalChain handles NodePort, external and load balancer traffic.
// Cluster policy masquerades it all (the endpoint may be on another node).
// Local policy keeps the client's address and uses only this node's
// endpoints, except for traffic from this node's pods or the node itself,
// which goes to any endpoint as if it had gone out and come back in.
func (r *serviceRules) addExternalChain(p Params, sp *servicePort, names portChains, policy string, hasEndpoints bool) {
	var rules []string
	if !sp.externalLocal {
		rules = append(rules, "jump "+markMasqChain)
	} else {
		if p.ClusterCIDR != "" {
			rules = append(rules, knftables.Concat("ip saddr", p.ClusterCIDR, "goto", names.cluster))
		}
		rules = append(rules,
			"fib saddr type local jump "+markMasqChain,
			"fib saddr type local goto "+names.cluster)
	}
	if hasEndpoints {
		rules = append(rules, "goto "+policy)
	}
	r.chains = append(r.chains, chain{names.external, rules})
}

// addEndpoint writes the endpoint's chain: a pod reaching itself through
// its Service (hairpin) is masqueraded, or it would answer itself
// directly; affinity records the client; then DNAT.
func (r *serviceRules) addEndpoint(sp *servicePort, ep endpoint) {
	rules := []string{knftables.Concat("ip saddr", ep.ip, "jump", markMasqChain)}
	if sp.affinitySeconds > 0 {
		set := affinityName(sp, ep)
		r.affinity = append(r.affinity, affinitySet{set, sp.affinitySeconds})
		rules = append(rules, knftables.Concat("update", "@"+set, "{ ip saddr }"))
	}
	rules = append(rules, knftables.Concat("meta l4proto", sp.protocol, "dnat to", ep.String()))
	r.chains = append(r.chains, chain{endpointChain(sp, ep), rules})
}

func endpointChain(sp *servicePort, ep endpoint) string {
	return endpointChainPrefix + hashed(endpointName(sp, ep))
}

// affinityName includes the timeout, so a changed timeout makes a new set
// (nftables cannot change a set's timeout in place).
func affinityName(sp *servicePort, ep endpoint) string {
	return affinitySetPrefix + hashed(endpointName(sp, ep)+"/"+itoa(sp.affinitySeconds)+"s")
}

func (r *serviceRules) addMapElement(m string, key []string, verdict, comment string) {
	e := &knftables.Element{Map: m, Key: key, Value: []string{verdict}}
	if comment != "" {
		e.Comment = &comment
	}
	r.addElement(e)
}

func (r *serviceRules) addElement(e *knftables.Element) {
	r.elements = append(r.elements, e)
}

func endpointIPs(eps []endpoint) []string {
	var ips []string
	for _, ep := range eps {
		ips = append(ips, ep.ip)
	}
	return ips
}

// elementID identifies an element across the table's maps and sets.
func elementID(e *knftables.Element) string {
	return e.Map + e.Set + " " + strings.Join(e.Key, " . ")
}
