package network

import (
	"net"
	"testing"
)

func TestClusterDNSIP(t *testing.T) {
	for cidr, want := range map[string]string{
		"10.96.0.0/12":  "10.96.0.10",
		"10.43.0.0/16":  "10.43.0.10",
		"10.0.0.250/24": "10.0.1.4", // the base address is used as given
		"fd00::/108":    "fd00::a",
	} {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if cidr == "10.0.0.250/24" {
			n.IP = net.ParseIP("10.0.0.250").To4()
		}
		if got := ClusterDNSIP(n).String(); got != want {
			t.Errorf("ClusterDNSIP(%s) = %s, want %s", cidr, got, want)
		}
	}
}
