package framework

import v1 "k8s.io/api/core/v1"

// DefaultBindAllHostIP is the wildcard a hostPort binds when hostIP is empty.
const DefaultBindAllHostIP = "0.0.0.0"

// ProtocolPort is one (protocol, port) pair under a host IP.
type ProtocolPort struct {
	Protocol string
	Port     int32
}

// HostPortInfo maps hostIP -> protocol/port -> how many pods on the node
// hold it. A count, not a set: two pods can hold one port (pods given a
// nodeName bypass the scheduler), and the port must stay taken until the
// last of them goes, or the cache forgets a holder that is still running.
type HostPortInfo map[string]map[ProtocolPort]int

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

// Add records one more holder of a host port.
func (h HostPortInfo) Add(ip, protocol string, port int32) {
	ip, protocol = sanitize(ip, protocol)
	if h[ip] == nil {
		h[ip] = map[ProtocolPort]int{}
	}
	h[ip][ProtocolPort{protocol, port}]++
}

// Remove drops one holder of a host port; the port is free with the last.
func (h HostPortInfo) Remove(ip, protocol string, port int32) {
	ip, protocol = sanitize(ip, protocol)
	m := h[ip]
	pp := ProtocolPort{protocol, port}
	if m[pp] > 1 {
		m[pp]--
		return
	}
	delete(m, pp)
	if len(m) == 0 {
		delete(h, ip)
	}
}

// Len counts the ports in use (each once, however many pods hold it).
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
		cm := make(map[ProtocolPort]int, len(m))
		for k, n := range m {
			cm[k] = n
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
