package proxy

import (
	"slices"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

// categorized are a Service port's endpoints sorted by use: cluster serves
// Cluster traffic policy, local serves Local policy (this node's), and any
// is true if the Service has a usable endpoint anywhere in the cluster.
type categorized struct {
	cluster, local []endpoint
	any            bool
}

// categorize picks the endpoints traffic may go to, as kube-proxy does:
// ready endpoints, or, only when there are none, endpoints that are
// serving but terminating (so a rolling update does not drop connections
// while the old pods drain). Cluster traffic goes to the ready endpoints
// topology hints pick for this node (node, in zone), when they pick any.
func categorize(sp *servicePort, eps []endpoint, node, zone string) categorized {
	var c categorized
	if sp.usesClusterEndpoints() {
		near := topologyFilter(eps, node, zone)
		c.cluster = usable(eps, func(ep endpoint) bool { return near == nil || !ep.ready || near(ep) })
		c.any = len(c.cluster) > 0
	}
	if !sp.usesLocalEndpoints() {
		return c
	}
	c.local = usable(eps, func(ep endpoint) bool { return ep.local })
	if !c.any {
		c.any = len(usable(eps, func(endpoint) bool { return true })) > 0
	}
	return c
}

// topologyFilter is how a Service's topology hints narrow its ready
// endpoints on this node, as kube-proxy's: to those hinted for this node
// when every ready endpoint has node hints and one is for this node, else
// to those hinted for this node's zone when every ready endpoint has zone
// hints and one is for the zone; nil: no narrowing (an endpoint without
// hints means the hints are not to be trusted).
func topologyFilter(eps []endpoint, node, zone string) func(endpoint) bool {
	allNode, anyNode, allZone, anyZone := true, false, true, false
	for _, ep := range eps {
		if !ep.ready {
			continue
		}
		if len(ep.forNodes) == 0 {
			allNode = false
		} else if slices.Contains(ep.forNodes, node) {
			anyNode = true
		}
		if len(ep.forZones) == 0 {
			allZone = false
		} else if zone != "" && slices.Contains(ep.forZones, zone) {
			anyZone = true
		}
	}
	switch {
	case allNode && anyNode:
		return func(ep endpoint) bool { return slices.Contains(ep.forNodes, node) }
	case allZone && anyZone:
		return func(ep endpoint) bool { return slices.Contains(ep.forZones, zone) }
	}
	return nil
}

// usable returns the ready endpoints among those keep selects, else the
// serving terminating ones.
func usable(eps []endpoint, keep func(endpoint) bool) []endpoint {
	var ready, draining []endpoint
	for _, ep := range eps {
		switch {
		case !keep(ep):
		case ep.ready:
			ready = append(ready, ep)
		case ep.serving && ep.terminating:
			draining = append(draining, ep)
		}
	}
	if len(ready) > 0 {
		return ready
	}
	return draining
}

// reachable lists the endpoints some chain of this node jumps to (each
// once): they get endpoint chains.
func (c categorized) reachable() []endpoint {
	seen := map[string]bool{}
	var out []endpoint
	for _, list := range [][]endpoint{c.cluster, c.local} {
		for _, ep := range list {
			if !seen[ep.String()] {
				seen[ep.String()] = true
				out = append(out, ep)
			}
		}
	}
	return out
}

// proxiedPort is a Service port with the endpoints its traffic may go to:
// the model both rule generators (nftables and iptables) consume.
type proxiedPort struct {
	*servicePort
	eps categorized
}

// proxiedPorts builds a Service's model; nil when the proxy has nothing to
// program for it.
func proxiedPorts(p Params, svc *v1.Service, slices []*discovery.EndpointSlice) []proxiedPort {
	var out []proxiedPort
	for _, sp := range servicePorts(svc) {
		out = append(out, proxiedPort{sp, categorize(sp, endpointsFor(sp, slices, p.NodeName), p.NodeName, p.Zone)})
	}
	return out
}

// udpPortOf describes a UDP port for conntrack flushing (ok false for
// other protocols).
func udpPortOf(pp proxiedPort) (udpPort, bool) {
	if pp.protocol != "udp" {
		return udpPort{}, false
	}
	return udpPort{
		ips:       append(append([]string{pp.clusterIP}, pp.externalIPs...), pp.loadBalancerIPs...),
		port:      pp.port,
		nodePort:  pp.nodePort,
		endpoints: endpointIPs(pp.eps.reachable()),
	}, true
}
