package proxy

import (
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
)

// routeServiceCIDR adds a route for the Service range through the node
// IP's interface when the node has none (no default route): a connection
// from the node to a virtual IP needs a route to pick its source address
// before the output hook DNATs it. Addresses no Service has never leave:
// the table drops them after DNAT. With a default route (the usual case)
// it changes nothing. It returns how to remove the route it added.
func routeServiceCIDR(serviceCIDR string, nodeIP net.IP) (remove func(), err error) {
	_, cidr, err := net.ParseCIDR(serviceCIDR)
	if err != nil {
		return nil, err
	}
	if _, err := netlink.RouteGet(cidr.IP); err == nil {
		return nil, nil
	}
	link, err := linkWithAddress(nodeIP)
	if err != nil {
		return nil, err
	}
	route := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: cidr, Src: nodeIP, Scope: netlink.SCOPE_LINK}
	if err := netlink.RouteAdd(route); err != nil {
		return nil, fmt.Errorf("route %s via %s: %w", cidr, link.Attrs().Name, err)
	}
	return func() { _ = netlink.RouteDel(route) }, nil
}

func linkWithAddress(ip net.IP) (netlink.Link, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		addrs, err := netlink.AddrList(l, netlink.FAMILY_V4)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if a.IP.Equal(ip) {
				return l, nil
			}
		}
	}
	return nil, fmt.Errorf("no interface has the node IP %s", ip)
}
