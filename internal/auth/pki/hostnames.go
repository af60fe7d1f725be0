package pki

import (
	"net"
	"os"
	"slices"
	"strings"
)

// HostNames returns the default SANs of the apiserver serving certificate:
// the host name, localhost and the in-cluster kubernetes service names;
// 127.0.0.1, ::1, every non-loopback address of the host's interfaces and
// extraIPs (e.g. the first IP of the service CIDR, 10.96.0.1).
// IPv6 link-local addresses are left out: they need a zone to be dialled and
// come and go with virtual interfaces, which would force needless reissues.
func HostNames(extraIPs ...net.IP) ([]string, []net.IP) {
	var names []string
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, strings.ToLower(h))
	}
	names = append(names, "localhost", "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local")
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	ips = append(ips, interfaceIPs()...)
	ips = append(ips, extraIPs...)
	return uniqueNames(names), uniqueIPs(ips)
}

// interfaceIPs returns the host's non-loopback, non-link-local unicast addresses.
func interfaceIPs() []net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var ips []net.IP
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok || ipnet.IP.IsLoopback() || ipnet.IP.IsLinkLocalUnicast() || ipnet.IP.IsUnspecified() {
			continue
		}
		ips = append(ips, ipnet.IP)
	}
	return ips
}

// uniqueNames drops empty and case-insensitively repeated names, keeping order.
func uniqueNames(names []string) []string {
	var out []string
	for _, n := range names {
		if n != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, n) }) {
			out = append(out, n)
		}
	}
	return out
}

// uniqueIPs drops nil and repeated IPs, keeping order; IPv4 comes out in 4-byte form.
func uniqueIPs(ips []net.IP) []net.IP {
	var out []net.IP
	for _, ip := range ips {
		if ip == nil || slices.ContainsFunc(out, ip.Equal) {
			continue
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		out = append(out, ip)
	}
	return out
}
