package network

import (
	"fmt"
	"net"
	"strings"

	"sigs.k8s.io/knftables"
)

// Table is the nftables table (family inet) the agent owns for the pod
// network. Nothing else in the ruleset is touched.
const Table = "orca-network"

// TableFamily is Table's family: inet holds both the IPv4 and IPv6 rules.
const TableFamily = knftables.InetFamily

const postroutingChain = "postrouting"

// MasqueradeRules adds to tx the whole content of the orca-network table:
// traffic from this node's pod CIDRs to anywhere outside the cluster CIDR
// (and not multicast) leaves with the node's address. Pod-to-pod traffic,
// across nodes too, keeps the pod's own source address. The table is
// flushed first, so a run of tx replaces whatever the table held.
//
// It takes the place of the CNI bridge plugin's ipMasq, which masquerades
// everything leaving the node's own /24, pods on other nodes included.
func MasqueradeRules(tx *knftables.Transaction, podCIDRs, clusterCIDRs []*net.IPNet) {
	tx.Add(&knftables.Table{Comment: knftables.PtrTo("pod network of the orca agent")})
	tx.Flush(&knftables.Table{})
	tx.Add(&knftables.Chain{
		Name:     postroutingChain,
		Type:     knftables.PtrTo(knftables.NATType),
		Hook:     knftables.PtrTo(knftables.PostroutingHook),
		Priority: knftables.PtrTo(knftables.SNATPriority),
	})
	for _, pod := range podCIDRs {
		cluster := sameFamily(clusterCIDRs, pod)
		if cluster == nil {
			continue // no cluster range of this family to keep pod traffic in
		}
		ip, multicast := "ip", "224.0.0.0/4"
		if pod.IP.To4() == nil {
			ip, multicast = "ip6", "ff00::/8"
		}
		tx.Add(&knftables.Rule{
			Chain: postroutingChain,
			Rule: knftables.Concat(
				ip, "saddr", pod.String(),
				ip, "daddr", "!=", cluster.String(),
				ip, "daddr", "!=", multicast,
				"masquerade", "fully-random",
			),
			Comment: knftables.PtrTo("pods leaving the cluster network"),
		})
	}
}

// sameFamily is the first of cidrs of n's family.
func sameFamily(cidrs []*net.IPNet, n *net.IPNet) *net.IPNet {
	for _, c := range cidrs {
		if (c.IP.To4() != nil) == (n.IP.To4() != nil) {
			return c
		}
	}
	return nil
}

// ParseCIDRs parses a comma-separated list of CIDRs (one per family for a
// dual-stack cluster).
func ParseCIDRs(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("CIDR %q: %w", part, err)
		}
		out = append(out, n)
	}
	return out, nil
}
