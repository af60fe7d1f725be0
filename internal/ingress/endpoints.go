package ingress

import (
	"net"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// resolve turns an Ingress's Service backend into the ready endpoints of
// that Service port. Traffic goes to the pods directly, not through the
// ClusterIP, as ingress-nginx does. An ExternalName Service resolves to
// its external name on the backend's port.
func resolve(namespace string, sb *networkingv1.IngressServiceBackend, objs Objects) *Backend {
	b := &Backend{Namespace: namespace, Service: sb.Name, Port: portName(sb.Port)}
	svc := objs.Service(namespace, sb.Name)
	if svc == nil {
		b.Problem = "service not found"
		return b
	}
	sp := servicePort(svc, sb.Port)
	if sp == nil {
		b.Problem = "service has no such port"
		return b
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		b.Endpoints = []string{net.JoinHostPort(svc.Spec.ExternalName, strconv.Itoa(int(sp.Port)))}
		return b
	}
	b.Endpoints = readyEndpoints(objs.EndpointSlices(namespace, sb.Name), sp.Name)
	return b
}

func portName(p networkingv1.ServiceBackendPort) string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(int(p.Number))
}

// servicePort finds the Service port an Ingress backend names, by name or
// by number.
func servicePort(svc *corev1.Service, p networkingv1.ServiceBackendPort) *corev1.ServicePort {
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		if sp.Protocol != "" && sp.Protocol != corev1.ProtocolTCP {
			continue
		}
		if (p.Name != "" && sp.Name == p.Name) || (p.Name == "" && sp.Port == p.Number) {
			return sp
		}
	}
	return nil
}

// readyEndpoints lists "ip:port" of the ready endpoints of the Service port
// named portName (EndpointSlice ports carry the Service port's name) over
// all of the Service's slices, without duplicates (an endpoint may sit in
// two slices for a moment), sorted. A nil ready condition means ready, as
// the EndpointSlice API says.
func readyEndpoints(slices []*discoveryv1.EndpointSlice, portName string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range slices {
		if s.AddressType != discoveryv1.AddressTypeIPv4 && s.AddressType != discoveryv1.AddressTypeIPv6 {
			continue
		}
		port, ok := slicePort(s, portName)
		if !ok {
			continue
		}
		for _, ep := range s.Endpoints {
			if len(ep.Addresses) == 0 || (ep.Conditions.Ready != nil && !*ep.Conditions.Ready) {
				continue
			}
			// Like kube-proxy, only the first address is used.
			addr := net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(port)))
			if !seen[addr] {
				seen[addr] = true
				out = append(out, addr)
			}
		}
	}
	sort.Strings(out)
	return out
}

func slicePort(s *discoveryv1.EndpointSlice, name string) (int32, bool) {
	for _, p := range s.Ports {
		pname := ""
		if p.Name != nil {
			pname = *p.Name
		}
		tcp := p.Protocol == nil || *p.Protocol == corev1.ProtocolTCP
		if pname == name && tcp && p.Port != nil {
			return *p.Port, true
		}
	}
	return 0, false
}
