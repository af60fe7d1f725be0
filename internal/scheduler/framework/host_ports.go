package framework

import v1 "k8s.io/api/core/v1"

// DefaultBindAllHostIP is the wildcard a hostPort binds when hostIP is empty.
const DefaultBindAllHostIP = "0.0.0.0"

// ProtocolPort is one (protocol, port) pair under a host IP.
type ProtocolPort struct {
	Protocol string
	Port     int32
}

// HostPortInfo maps hostIP -> set of protocol/ports in use on a node.
type HostPortInfo map[string]map[ProtocolPort]struct{}

// sanitize applies the API defaults: empty IP is the wildcard, empty protocol TCP.
func sanitize(ip, protocol string) (string, string) {
	if ip == "" {
		ip = DefaultBindAllHostIP
	}
	if protocol == "" {
		protocol = string(v1.ProtocolTCP)
	}
	return ip, protocol
}

// Add records a used host port.
func (h HostPortInfo) Add(ip, protocol string, port int32) {
	ip, protocol = sanitize(ip, protocol)
	if h[ip] == nil {
		h[ip] = map[ProtocolPort]struct{}{}
	}
	h[ip][ProtocolPort{protocol, port}] = struct{}{}
}

// Remove forgets a used host port.
func (h HostPortInfo) Remove(ip, protocol string, port int32) {
	ip, protocol = sanitize(ip, protocol)
	if m := h[ip]; m != nil {
		delete(m, ProtocolPort{protocol, port})
		if len(m) == 0 {
			delete(h, ip)
		}
	}
}

// Len counts recorded entries.
func (h HostPortInfo) Len() int {
	n := 0
	for _, m := range h {
		n += len(m)
	}
	return n
}

// CheckConflict reports whether binding (ip, protocol, port) would clash.
// The wildcard clashes with the same protocol/port on any IP, and any IP
// clashes with the wildcard, because the kernel treats 0.0.0.0 that way.
func (h HostPortInfo) CheckConflict(ip, protocol string, port int32) bool {
	if port <= 0 {
		return false
	}
	ip, protocol = sanitize(ip, protocol)
	pp := ProtocolPort{protocol, port}
	if ip == DefaultBindAllHostIP {
		for _, m := range h {
			if _, ok := m[pp]; ok {
				return true
			}
		}
		return false
	}
	for _, key := range [2]string{ip, DefaultBindAllHostIP} {
		if _, ok := h[key][pp]; ok {
			return true
		}
	}
	return false
}

func (h HostPortInfo) clone() HostPortInfo {
	out := make(HostPortInfo, len(h))
	for ip, m := range h {
		cm := make(map[ProtocolPort]struct{}, len(m))
		for k := range m {
			cm[k] = struct{}{}
		}
		out[ip] = cm
	}
	return out
}

// PodHostPorts lists the host ports a pod asks for (regular containers, as
// upstream; ports without hostPort are not a node resource).
func PodHostPorts(pod *v1.Pod) []v1.ContainerPort {
	var out []v1.ContainerPort
	for i := range pod.Spec.Containers {
		for _, p := range pod.Spec.Containers[i].Ports {
			if p.HostPort > 0 {
				out = append(out, p)
			}
		}
	}
	return out
}
