package proxy

import (
	"net"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

// servicePort is one port of a Service, as the proxy sees it: the addresses
// it is reached on and how its traffic is balanced.
type servicePort struct {
	namespace, service, portName string
	protocol                     string // tcp, udp or sctp
	clusterIP                    string
	port                         int32
	nodePort                     int32
	externalIPs                  []string
	loadBalancerIPs              []string
	// sourceRanges (loadBalancerSourceRanges) are the only clients the
	// load balancer IPs accept; empty: all.
	sourceRanges []string
	// affinitySeconds > 0 is sessionAffinity ClientIP with that timeout.
	affinitySeconds int32
	internalLocal   bool // internalTrafficPolicy Local
	externalLocal   bool // externalTrafficPolicy Local (only when externally reachable)
}

// externallyReachable is true when traffic from outside reaches the port
// (NodePort, externalIPs or load balancer IPs): that traffic obeys
// externalTrafficPolicy.
func (sp *servicePort) externallyReachable() bool {
	return sp.nodePort != 0 || len(sp.externalIPs) > 0 || len(sp.loadBalancerIPs) > 0
}

// usesClusterEndpoints: the Cluster policy chain is needed for ClusterIP
// traffic with Cluster policy, and for all external traffic (even with
// Local policy, traffic from pods and the node short-circuits to it).
func (sp *servicePort) usesClusterEndpoints() bool {
	return !sp.internalLocal || sp.externallyReachable()
}

func (sp *servicePort) usesLocalEndpoints() bool {
	return sp.internalLocal || sp.externalLocal
}

// name is "ns/svc/proto/port", the stem of the port's chain names.
func (sp *servicePort) name() string {
	return sp.namespace + "/" + sp.service + "/" + sp.protocol + "/" + sp.portName
}

// endpoint is one address:port serving a Service port.
type endpoint struct {
	ip                          string
	port                        int32
	local                       bool // on this node
	ready, serving, terminating bool
	// forZones and forNodes are its topology hints.
	forZones, forNodes []string
}

func (ep endpoint) String() string { return net.JoinHostPort(ep.ip, itoa(ep.port)) }

// proxied says whether the proxy programs a Service at all: ExternalName
// and headless Services have no virtual IP (as upstream), and only IPv4 is
// proxied (the cluster is single-stack IPv4).
func proxied(svc *v1.Service) bool {
	if svc.Spec.Type == v1.ServiceTypeExternalName {
		return false
	}
	ip := net.ParseIP(svc.Spec.ClusterIP)
	return ip != nil && ip.To4() != nil
}

// servicePorts lists a Service's ports as the proxy programs them.
func servicePorts(svc *v1.Service) []*servicePort {
	if !proxied(svc) {
		return nil
	}
	var ports []*servicePort
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		sp := &servicePort{
			namespace:       svc.Namespace,
			service:         svc.Name,
			portName:        p.Name,
			protocol:        strings.ToLower(string(protocolOf(p.Protocol))),
			clusterIP:       svc.Spec.ClusterIP,
			port:            p.Port,
			externalIPs:     ipv4s(svc.Spec.ExternalIPs),
			loadBalancerIPs: loadBalancerIPs(svc),
			sourceRanges:    sourceRanges(svc),
			internalLocal:   svc.Spec.InternalTrafficPolicy != nil && *svc.Spec.InternalTrafficPolicy == v1.ServiceInternalTrafficPolicyLocal,
		}
		if svc.Spec.Type == v1.ServiceTypeNodePort || svc.Spec.Type == v1.ServiceTypeLoadBalancer {
			sp.nodePort = p.NodePort
		}
		if svc.Spec.SessionAffinity == v1.ServiceAffinityClientIP {
			sp.affinitySeconds = affinityTimeout(svc)
		}
		sp.externalLocal = sp.externallyReachable() && svc.Spec.ExternalTrafficPolicy == v1.ServiceExternalTrafficPolicyLocal
		ports = append(ports, sp)
	}
	return ports
}

func protocolOf(p v1.Protocol) v1.Protocol {
	if p == "" {
		return v1.ProtocolTCP
	}
	return p
}

// affinityTimeout is sessionAffinityConfig.clientIP.timeoutSeconds, with
// the API's default of 3 hours.
func affinityTimeout(svc *v1.Service) int32 {
	c := svc.Spec.SessionAffinityConfig
	if c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil && *c.ClientIP.TimeoutSeconds > 0 {
		return *c.ClientIP.TimeoutSeconds
	}
	return v1.DefaultClientIPServiceAffinitySeconds
}

// loadBalancerIPs are the status ingress IPs, except those whose ipMode is
// Proxy (the load balancer sends traffic to the nodes, not to the IP).
func loadBalancerIPs(svc *v1.Service) []string {
	if svc.Spec.Type != v1.ServiceTypeLoadBalancer {
		return nil
	}
	var ips []string
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if in.IPMode != nil && *in.IPMode == v1.LoadBalancerIPModeProxy {
			continue
		}
		ips = append(ips, in.IP)
	}
	return ipv4s(ips)
}

// sourceRangesAnnotation is the older form of loadBalancerSourceRanges,
// used when the field is empty (as upstream).
const sourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

// sourceRanges are the IPv4 CIDRs of a load balancer's
// loadBalancerSourceRanges, canonical, sorted and without duplicates. An
// entry that does not parse is left out (the API refuses such a field; the
// annotation is not checked).
func sourceRanges(svc *v1.Service) []string {
	if svc.Spec.Type != v1.ServiceTypeLoadBalancer {
		return nil
	}
	in := svc.Spec.LoadBalancerSourceRanges
	if len(in) == 0 && svc.Annotations[sourceRangesAnnotation] != "" {
		in = strings.Split(svc.Annotations[sourceRangesAnnotation], ",")
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range in {
		_, n, err := net.ParseCIDR(strings.TrimSpace(r))
		if err != nil || n.IP.To4() == nil {
			continue
		}
		if c := n.String(); !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// firewalled: the load balancer IPs accept only sourceRanges.
func (sp *servicePort) firewalled() bool {
	return len(sp.sourceRanges) > 0 && len(sp.loadBalancerIPs) > 0
}

// ipv4s keeps the IPv4 addresses, canonical, sorted and without duplicates.
func ipv4s(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		ip := net.ParseIP(s)
		if ip == nil || ip.To4() == nil {
			continue
		}
		s = ip.String()
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// endpointsFor collects a Service port's endpoints from the Service's
// EndpointSlices: the slice port with the same name and protocol gives
// the target port. An address in several slices counts once (the first).
func endpointsFor(sp *servicePort, slices []*discovery.EndpointSlice, nodeName string) []endpoint {
	seen := map[string]bool{}
	var eps []endpoint
	for _, s := range slices {
		if s.AddressType != discovery.AddressTypeIPv4 {
			continue
		}
		port, ok := slicePort(s, sp)
		if !ok {
			continue
		}
		for i := range s.Endpoints {
			e := &s.Endpoints[i]
			if len(e.Addresses) == 0 {
				continue
			}
			ep := endpoint{
				ip:    e.Addresses[0],
				port:  port,
				local: e.NodeName != nil && *e.NodeName == nodeName,
			}
			ep.ready, ep.serving, ep.terminating = conditions(e.Conditions)
			if h := e.Hints; h != nil {
				for _, z := range h.ForZones {
					ep.forZones = append(ep.forZones, z.Name)
				}
				for _, n := range h.ForNodes {
					ep.forNodes = append(ep.forNodes, n.Name)
				}
			}
			if net.ParseIP(ep.ip) == nil || seen[ep.String()] {
				continue
			}
			seen[ep.String()] = true
			eps = append(eps, ep)
		}
	}
	sort.Slice(eps, func(i, j int) bool { return eps[i].String() < eps[j].String() })
	return eps
}

func slicePort(s *discovery.EndpointSlice, sp *servicePort) (int32, bool) {
	for _, p := range s.Ports {
		name := ""
		if p.Name != nil {
			name = *p.Name
		}
		proto := v1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		if name == sp.portName && strings.ToLower(string(proto)) == sp.protocol && p.Port != nil {
			return *p.Port, true
		}
	}
	return 0, false
}

// conditions reads an endpoint's conditions as kube-proxy does: unknown
// (nil) ready and serving count as true, unknown terminating as false.
func conditions(c discovery.EndpointConditions) (ready, serving, terminating bool) {
	ready = c.Ready == nil || *c.Ready
	serving = c.Serving == nil || *c.Serving
	terminating = c.Terminating != nil && *c.Terminating
	return ready, serving, terminating
}
