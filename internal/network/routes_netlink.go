package network

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// RouteProtocol marks the routes orca makes (rtm_protocol, shown by
// `ip route` as "proto 79"): orca lists, changes and deletes only routes
// with this mark, never anyone else's. 79 is unassigned in iproute2's
// rt_protos (Calico uses 80, BIRD 12, zebra 11).
const RouteProtocol = 79

// NetlinkRoutes is the kernel's main routing table of the current network
// namespace, restricted to orca's routes.
type NetlinkRoutes struct{}

// List returns the routes orca made.
func (NetlinkRoutes) List() ([]Route, error) {
	filter := &netlink.Route{Protocol: RouteProtocol, Table: unix.RT_TABLE_MAIN}
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_ALL, filter, netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, err
	}
	var out []Route
	for _, r := range rs {
		if r.Dst != nil && r.Gw != nil {
			out = append(out, Route{Dst: r.Dst, Gateway: r.Gw})
		}
	}
	return out, nil
}

// Replace adds the route, or changes the gateway of orca's route to its
// destination. The kernel finds the interface from the gateway, which must
// be directly reachable. A route to the same destination that orca did not
// make is left alone (the kernel's replace would take it over): an error.
func (NetlinkRoutes) Replace(r Route) error {
	same, err := netlink.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Dst: r.Dst, Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_DST|netlink.RT_FILTER_TABLE)
	if err != nil {
		return err
	}
	for _, o := range same {
		if o.Protocol != RouteProtocol {
			return fmt.Errorf("a route to %s that orca did not make exists (%s); leaving it", r.Dst, o)
		}
	}
	return netlink.RouteReplace(kernelRoute(r))
}

// Delete removes orca's route to r's destination; the protocol in the
// request makes the kernel refuse to delete anyone else's route.
func (NetlinkRoutes) Delete(r Route) error {
	err := netlink.RouteDel(kernelRoute(r))
	if errors.Is(err, unix.ESRCH) {
		return nil // already gone
	}
	return err
}

func kernelRoute(r Route) *netlink.Route {
	return &netlink.Route{Dst: r.Dst, Gw: r.Gateway, Protocol: RouteProtocol, Table: unix.RT_TABLE_MAIN}
}
