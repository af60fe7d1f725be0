package network

import (
	"context"
	"net"
	"strings"
	"testing"

	"sigs.k8s.io/knftables"
)

func cidrs(t *testing.T, s string) []*net.IPNet {
	t.Helper()
	out, err := ParseCIDRs(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMasqueradeRules(t *testing.T) {
	table := "add table inet orca-network\n" + // the fake keeps no table comment
		"add chain inet orca-network postrouting { type nat hook postrouting priority 100 ; }\n"
	tests := []struct {
		name, pods, cluster, want string
	}{
		{
			"pod CIDR not known yet: the table and chain only", "", "10.244.0.0/16",
			table,
		},
		{
			"IPv4", "10.244.1.0/24", "10.244.0.0/16",
			table + "add rule inet orca-network postrouting ip saddr 10.244.1.0/24 ip daddr != 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random comment \"pods leaving the cluster network\"\n",
		},
		{
			"dual stack", "10.244.1.0/24,fd00:10:244:1::/64", "fd00:10:244::/56,10.244.0.0/16",
			table +
				"add rule inet orca-network postrouting ip saddr 10.244.1.0/24 ip daddr != 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random comment \"pods leaving the cluster network\"\n" +
				"add rule inet orca-network postrouting ip6 saddr fd00:10:244:1::/64 ip6 daddr != fd00:10:244::/56 ip6 daddr != ff00::/8 masquerade fully-random comment \"pods leaving the cluster network\"\n",
		},
		{
			"a pod CIDR of a family the cluster CIDR lacks: no rule", "fd00:10:244:1::/64", "10.244.0.0/16",
			table,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nft := knftables.NewFake(TableFamily, Table)
			// A stale rule of an earlier run (another pod CIDR) must go.
			stale := nft.NewTransaction()
			MasqueradeRules(stale, cidrs(t, "10.244.7.0/24"), cidrs(t, "10.244.0.0/16"))
			if err := nft.Run(context.Background(), stale); err != nil {
				t.Fatal(err)
			}
			tx := nft.NewTransaction()
			MasqueradeRules(tx, cidrs(t, tt.pods), cidrs(t, tt.cluster))
			if err := nft.Run(context.Background(), tx); err != nil {
				t.Fatal(err)
			}
			if got := nft.Dump(); got != tt.want {
				t.Fatalf("ruleset:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestParseCIDRs(t *testing.T) {
	got, err := ParseCIDRs(" 10.244.0.0/16, fd00::/56 ,")
	if err != nil || len(got) != 2 || got[0].String() != "10.244.0.0/16" || got[1].String() != "fd00::/56" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := ParseCIDRs("10.244.0.0/16,nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("bad CIDR: err %v", err)
	}
}

func TestForwardPolicyDrop(t *testing.T) {
	tests := []struct {
		name, out string
		want      bool
	}{
		{"docker-like DROP", `{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"chain": {"family": "ip", "table": "filter", "name": "FORWARD", "handle": 2, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}]}`, true},
		{"ACCEPT", `{"nftables": [{"chain": {"family": "ip", "table": "filter", "name": "FORWARD", "hook": "forward", "prio": 0, "policy": "accept"}}]}`, false},
		{"garbage", `nft: no such table`, false},
	}
	for _, tt := range tests {
		if got := forwardPolicyDrop([]byte(tt.out)); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
