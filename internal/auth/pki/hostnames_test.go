package pki

import (
	"net"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestHostNames(t *testing.T) {
	svcIP := net.ParseIP("10.96.0.1") // 16-byte form on purpose
	names, ips := HostNames(svcIP, net.IPv4(127, 0, 0, 1), nil)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{strings.ToLower(host), "localhost", "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"} {
		if !slices.Contains(names, want) {
			t.Errorf("names %v lack %q", names, want)
		}
	}
	for _, want := range []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, svcIP} {
		if !slices.ContainsFunc(ips, want.Equal) {
			t.Errorf("IPs %v lack %s", ips, want)
		}
	}
	for _, ip := range interfaceIPs() {
		if !slices.ContainsFunc(ips, ip.Equal) {
			t.Errorf("IPs %v lack interface address %s", ips, ip)
		}
	}
	if len(uniqueNames(names)) != len(names) || len(uniqueIPs(ips)) != len(ips) {
		t.Errorf("duplicates in %v / %v", names, ips)
	}
	for _, ip := range ips {
		if ip.IsLinkLocalUnicast() || (ip.IsLoopback() && !ip.Equal(net.IPv4(127, 0, 0, 1)) && !ip.Equal(net.IPv6loopback)) {
			t.Errorf("unexpected address %s", ip)
		}
		if ip.To4() != nil && len(ip) != net.IPv4len {
			t.Errorf("IPv4 %s not in 4-byte form", ip)
		}
	}
}

func TestUniqueNamesAndIPs(t *testing.T) {
	names := uniqueNames([]string{"a", "", "A", "b", "a"})
	if !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("uniqueNames = %v", names)
	}
	ips := uniqueIPs([]net.IP{net.ParseIP("10.0.0.1"), nil, net.IPv4(10, 0, 0, 1), net.ParseIP("::1")})
	if len(ips) != 2 || !ips[0].Equal(net.IPv4(10, 0, 0, 1)) || !ips[1].Equal(net.IPv6loopback) {
		t.Errorf("uniqueIPs = %v", ips)
	}
}
