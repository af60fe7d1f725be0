package endpointslice

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"

	"orca/internal/controller/endpointutil"
	"orca/internal/controller/pods"
)

// Group is a set of endpoints that share one port list and address
// type: the unit slices are cut from (pods resolving a named targetPort
// differently land in different groups, hence different slices).
type Group struct {
	AddressType discovery.AddressType
	Ports       []discovery.EndpointPort
	Endpoints   []discovery.Endpoint
}

// Key identifies the group's address type and ports (in any order).
func (g *Group) Key() string { return groupKey(g.AddressType, g.Ports) }

func groupKey(t discovery.AddressType, ports []discovery.EndpointPort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		parts = append(parts, deref(p.Name)+"/"+strconv.Itoa(int(deref(p.Port)))+"/"+string(deref(p.Protocol))+"/"+deref(p.AppProtocol))
	}
	sort.Strings(parts)
	return string(t) + "|" + strings.Join(parts, ",")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// NodeZone looks up the zone label of a node; found is false when the
// node does not exist.
type NodeZone func(node string) (zone string, found bool)

// AddressTypes are the endpoint address types a Service takes, from its
// IP families; without families, from its cluster IP; a headless Service
// without families takes both.
func AddressTypes(svc *v1.Service) []discovery.AddressType {
	var out []discovery.AddressType
	for _, f := range svc.Spec.IPFamilies {
		switch f {
		case v1.IPv4Protocol:
			out = append(out, discovery.AddressTypeIPv4)
		case v1.IPv6Protocol:
			out = append(out, discovery.AddressTypeIPv6)
		}
	}
	if len(out) > 0 {
		return out
	}
	if ip := svc.Spec.ClusterIP; ip != "" && ip != v1.ClusterIPNone {
		if endpointutil.IsIPv6(ip) {
			return []discovery.AddressType{discovery.AddressTypeIPv6}
		}
		return []discovery.AddressType{discovery.AddressTypeIPv4}
	}
	return []discovery.AddressType{discovery.AddressTypeIPv4, discovery.AddressTypeIPv6}
}

// Desired is the endpoints a Service with a selector should have: its
// pods (already selected) that have an IP and are not finished, one
// endpoint per pod and address type, grouped by resolved ports. Groups
// come in a stable order, endpoints sorted by pod name. skipped counts
// pods left out because their node is unknown (the caller retries).
func Desired(svc *v1.Service, ps []*v1.Pod, zoneOf NodeZone) (groups []Group, skipped int) {
	types := AddressTypes(svc)
	byKey := map[string]*Group{}
	sorted := slices.Clone(ps)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, p := range sorted {
		if !endpointutil.ShouldPodBeInEndpoints(p, true) {
			continue
		}
		zone, found := "", true
		if p.Spec.NodeName != "" && zoneOf != nil {
			zone, found = zoneOf(p.Spec.NodeName)
		}
		if !found && !svc.Spec.PublishNotReadyAddresses {
			// Upstream leaves such a pod out until the pod GC removes it
			// or the node appears, rather than publish a stray address.
			skipped++
			continue
		}
		ports := endpointPorts(svc, p)
		for _, t := range types {
			ep := podEndpoint(svc, p, t, zone)
			if len(ep.Addresses) == 0 {
				continue
			}
			k := groupKey(t, ports)
			g := byKey[k]
			if g == nil {
				g = &Group{AddressType: t, Ports: ports}
				byKey[k] = g
			}
			g.Endpoints = append(g.Endpoints, ep)
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		groups = append(groups, *byKey[k])
	}
	return groups, skipped
}

// endpointPorts are the Service's ports as resolved on one pod; a port
// whose named targetPort the pod lacks is left out.
func endpointPorts(svc *v1.Service, p *v1.Pod) []discovery.EndpointPort {
	out := []discovery.EndpointPort{}
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		n, ok := endpointutil.FindPort(p, sp)
		if !ok {
			continue
		}
		name, proto := sp.Name, sp.Protocol
		if proto == "" {
			proto = v1.ProtocolTCP
		}
		out = append(out, discovery.EndpointPort{Name: &name, Port: &n, Protocol: &proto, AppProtocol: sp.AppProtocol})
	}
	return out
}

// podEndpoint is the endpoint of one pod for one address type, with
// upstream's conditions: serving is the pod's readiness, terminating its
// deletion; ready is serving and not terminating, or always true when the
// Service publishes not-ready addresses.
func podEndpoint(svc *v1.Service, p *v1.Pod, t discovery.AddressType, zone string) discovery.Endpoint {
	serving := pods.IsReady(p)
	terminating := p.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discovery.Endpoint{
		Conditions: discovery.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &v1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
	}
	for _, ip := range endpointutil.PodIPs(p) {
		if endpointutil.IsIPv6(ip) == (t == discovery.AddressTypeIPv6) {
			ep.Addresses = append(ep.Addresses, ip)
		}
	}
	if p.Spec.NodeName != "" {
		n := p.Spec.NodeName
		ep.NodeName = &n
	}
	if zone != "" {
		ep.Zone = &zone
	}
	ep.Hints = trafficHints(svc, ep.NodeName, zone)
	if endpointutil.ShouldSetHostname(p, svc) {
		h := p.Spec.Hostname
		ep.Hostname = &h
	}
	return ep
}

// trafficHints are the hints spec.trafficDistribution asks for, as
// upstream's: PreferSameZone (and its older name PreferClose) hints each
// endpoint for its own zone; PreferSameNode for its own node, and its zone
// for proxies that only know zone hints. An endpoint whose zone (or node)
// is unknown gets none, and a proxy then ignores the Service's hints.
func trafficHints(svc *v1.Service, node *string, zone string) *discovery.EndpointHints {
	td := svc.Spec.TrafficDistribution
	if td == nil {
		return nil
	}
	var h discovery.EndpointHints
	switch *td {
	case v1.ServiceTrafficDistributionPreferSameNode:
		if node != nil && *node != "" {
			h.ForNodes = []discovery.ForNode{{Name: *node}}
		}
		fallthrough
	case v1.ServiceTrafficDistributionPreferSameZone, v1.ServiceTrafficDistributionPreferClose:
		if zone != "" {
			h.ForZones = []discovery.ForZone{{Name: zone}}
		}
	}
	if h.ForNodes == nil && h.ForZones == nil {
		return nil
	}
	return &h
}
