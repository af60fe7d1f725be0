package dns

import (
	"net"
	"slices"
	"strings"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// service is one Service's DNS data, rebuilt from the Service and its
// EndpointSlices whenever one of them changes, so that queries only read.
type service struct {
	name, namespace string
	// externalName is the lowercase FQDN an ExternalName Service aliases.
	externalName string
	headless     bool
	clusterIPs   []net.IP
	ports        []port
	// endpoints are the addresses DNS publishes: ready ones, or all with
	// publishNotReadyAddresses; one entry per address, sorted, no duplicates.
	endpoints []endpoint
}

// port is a Service or EndpointSlice port; name and proto are lowercase
// (DNS names are case-insensitive; "tcp", "udp", "sctp").
type port struct {
	name, proto string
	number      uint16
}

// endpoint is one endpoint address with its DNS label: the endpoint's
// hostname (StatefulSet pods behind a headless Service) or, as CoreDNS
// names them, its IP with dashes (10-244-0-5).
type endpoint struct {
	label string
	ip    net.IP
	ports []port
}

// newService builds a Service's records from the Service and the
// EndpointSlices labelled with its name.
func newService(svc *v1.Service, sls []*discoveryv1.EndpointSlice) *service {
	s := &service{name: svc.Name, namespace: svc.Namespace}
	if svc.Spec.Type == v1.ServiceTypeExternalName {
		s.externalName = strings.ToLower(fqdn(svc.Spec.ExternalName))
		s.ports = servicePorts(svc.Spec.Ports)
		return s
	}
	s.headless = svc.Spec.ClusterIP == v1.ClusterIPNone
	if !s.headless {
		for _, ip := range clusterIPs(svc) {
			if p := net.ParseIP(ip); p != nil {
				s.clusterIPs = append(s.clusterIPs, p)
			}
		}
	}
	s.ports = servicePorts(svc.Spec.Ports)
	s.endpoints = endpoints(sls, svc.Spec.PublishNotReadyAddresses)
	return s
}

func clusterIPs(svc *v1.Service) []string {
	if len(svc.Spec.ClusterIPs) > 0 {
		return svc.Spec.ClusterIPs
	}
	if svc.Spec.ClusterIP != "" {
		return []string{svc.Spec.ClusterIP}
	}
	return nil
}

func servicePorts(ps []v1.ServicePort) []port {
	out := make([]port, 0, len(ps))
	for _, p := range ps {
		out = append(out, port{name: strings.ToLower(p.Name), proto: protocol(p.Protocol), number: uint16(p.Port)})
	}
	return out
}

func protocol(p v1.Protocol) string {
	if p == "" {
		return "tcp"
	}
	return strings.ToLower(string(p))
}

func slicePorts(ps []discoveryv1.EndpointPort) []port {
	out := make([]port, 0, len(ps))
	for _, p := range ps {
		if p.Port == nil {
			continue // "all ports": nothing to publish in SRV
		}
		name, proto := "", v1.ProtocolTCP
		if p.Name != nil {
			name = *p.Name
		}
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		out = append(out, port{name: strings.ToLower(name), proto: protocol(proto), number: uint16(*p.Port)})
	}
	return out
}

// endpoints lists the slices' published addresses. Ready unset counts as
// ready (the EndpointSlice API's rule); publishNotReadyAddresses publishes
// all, as the EndpointSlice controller marks them ready anyway.
func endpoints(sls []*discoveryv1.EndpointSlice, publishNotReady bool) []endpoint {
	var out []endpoint
	for _, sl := range sls {
		ports := slicePorts(sl.Ports)
		for _, ep := range sl.Endpoints {
			if !publishNotReady && ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				ip := net.ParseIP(a)
				if ip == nil {
					continue // FQDN slices carry no address records
				}
				label := ""
				if ep.Hostname != nil && *ep.Hostname != "" {
					label = strings.ToLower(*ep.Hostname)
				} else {
					label = dashed(ip)
				}
				out = append(out, endpoint{label: label, ip: ip, ports: ports})
			}
		}
	}
	slices.SortFunc(out, func(a, b endpoint) int {
		if c := compareIP(a.ip, b.ip); c != 0 {
			return c
		}
		return strings.Compare(a.label, b.label)
	})
	// The same address in two slices (a slice being rebalanced) is one
	// endpoint.
	return slices.CompactFunc(out, func(a, b endpoint) bool { return a.ip.Equal(b.ip) && a.label == b.label })
}

// dashed is CoreDNS's endpoint name for an address without hostname:
// 10.244.0.5 → 10-244-0-5, fd00::5 → fd00--5.
func dashed(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return strings.ReplaceAll(v4.String(), ".", "-")
	}
	return strings.ReplaceAll(ip.String(), ":", "-")
}

func compareIP(a, b net.IP) int {
	a16, b16 := a.To16(), b.To16()
	return strings.Compare(string(a16), string(b16))
}

func fqdn(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
