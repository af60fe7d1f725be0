package network

import (
	"net"
	"sort"

	v1 "k8s.io/api/core/v1"
)

// Route sends one other node's pod CIDR to that node's address: host-gateway
// routing, which works when every node is on one L2 segment (the gateway
// must be directly reachable).
type Route struct {
	Dst     *net.IPNet
	Gateway net.IP
}

func (r Route) String() string { return r.Dst.String() + " via " + r.Gateway.String() }

// VirtualNodeLabel marks the simulated nodes of `orca agent --simulate`:
// their pods have no network, so no route leads to them.
const VirtualNodeLabel = "orca.dev/virtual"

// DesiredRoutes are the routes the node self needs: each other node's pod
// CIDRs via its InternalIP of the same family. Nodes without a pod CIDR or
// without an InternalIP of that family get none (they are not ready to
// carry pods yet), nor do virtual nodes. The result is sorted by
// destination.
func DesiredRoutes(self string, nodes []*v1.Node) []Route {
	nodes = append([]*v1.Node(nil), nodes...)
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	byDst := map[string]Route{}
	for _, n := range nodes {
		if n.Name == self || n.Labels[VirtualNodeLabel] == "true" {
			continue
		}
		for _, cidr := range podCIDRs(n) {
			_, dst, err := net.ParseCIDR(cidr)
			if err != nil {
				continue
			}
			gw := internalIP(n, dst.IP.To4() != nil)
			if gw == nil {
				continue
			}
			// Two nodes claiming one CIDR is the IPAM's bug; the first
			// name in order wins, so the choice is stable across syncs.
			if _, dup := byDst[dst.String()]; !dup {
				byDst[dst.String()] = Route{Dst: dst, Gateway: gw}
			}
		}
	}
	return sortedRoutes(byDst)
}

// podCIDRs is spec.podCIDRs, or the older single spec.podCIDR.
func podCIDRs(n *v1.Node) []string {
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs
	}
	if n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}
	}
	return nil
}

// internalIP is the node's first InternalIP of the family (IPv4 or not).
func internalIP(n *v1.Node, v4 bool) net.IP {
	for _, a := range n.Status.Addresses {
		if a.Type != v1.NodeInternalIP {
			continue
		}
		ip := net.ParseIP(a.Address)
		if ip != nil && (ip.To4() != nil) == v4 {
			if v4 {
				ip = ip.To4()
			}
			return ip
		}
	}
	return nil
}

// PlanRoutes compares the routes orca wants with the routes orca made
// (current holds only those): replace are to be added or changed, remove to
// be deleted. Both come sorted by destination.
func PlanRoutes(desired, current []Route) (replace, remove []Route) {
	have := map[string]Route{}
	for _, r := range current {
		have[r.Dst.String()] = r
	}
	want := map[string]bool{}
	for _, r := range desired {
		want[r.Dst.String()] = true
		if cur, ok := have[r.Dst.String()]; !ok || !cur.Gateway.Equal(r.Gateway) {
			replace = append(replace, r)
		}
	}
	gone := map[string]Route{}
	for k, r := range have {
		if !want[k] {
			gone[k] = r
		}
	}
	return replace, sortedRoutes(gone)
}

func sortedRoutes(m map[string]Route) []Route {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Route, 0, len(m))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}
