package proxy

import (
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// flowFilter selects UDP conntrack entries to delete: those sent to
// dstIP:dstPort (any address when dstIP is empty) and, when endpoint is
// set, NATed to that endpoint.
type flowFilter struct {
	dstIP    string
	dstPort  int32
	endpoint string
}

// staleUDP lists the conntrack entries made stale by a Service's change.
// UDP has no connection to reset, so without this a client keeps sending
// to an endpoint that went away for as long as it keeps the flow alive.
// And when a port gets its first endpoint, entries made while it had none
// are flushed so new packets are DNATed.
func staleUDP(old, new []udpPort) []flowFilter {
	var out []flowFilter
	newPorts := map[string]udpPort{}
	for _, u := range new {
		newPorts[u.id()] = u
	}
	oldPorts := map[string]udpPort{}
	for _, u := range old {
		oldPorts[u.id()] = u
		n := newPorts[u.id()]
		for _, ep := range u.endpoints {
			if contains(n.endpoints, ep) {
				continue
			}
			for _, ip := range u.ips {
				out = append(out, flowFilter{dstIP: ip, dstPort: u.port, endpoint: ep})
			}
			if u.nodePort != 0 {
				out = append(out, flowFilter{dstPort: u.nodePort, endpoint: ep})
			}
		}
	}
	for _, n := range new {
		if len(n.endpoints) == 0 || len(oldPorts[n.id()].endpoints) > 0 {
			continue
		}
		for _, ip := range n.ips {
			out = append(out, flowFilter{dstIP: ip, dstPort: n.port})
		}
		if n.nodePort != 0 {
			out = append(out, flowFilter{dstPort: n.nodePort})
		}
	}
	return out
}

func (u udpPort) id() string { return fmt.Sprint(u.ips[0], "/", u.port) }

func (r *serviceRules) udpPorts() []udpPort {
	if r == nil {
		return nil
	}
	return r.udp
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// deleteFlows deletes the UDP conntrack entries the filters select, in one
// pass over the table.
func deleteFlows(filters []flowFilter) (uint, error) {
	if len(filters) == 0 {
		return 0, nil
	}
	var nf []netlink.CustomConntrackFilter
	for _, f := range filters {
		c := &netlink.ConntrackFilter{}
		if err := c.AddProtocol(unix.IPPROTO_UDP); err != nil {
			return 0, err
		}
		if f.dstIP != "" {
			if err := c.AddIP(netlink.ConntrackOrigDstIP, net.ParseIP(f.dstIP)); err != nil {
				return 0, err
			}
		}
		if err := c.AddPort(netlink.ConntrackOrigDstPort, uint16(f.dstPort)); err != nil {
			return 0, err
		}
		if f.endpoint != "" {
			if err := c.AddIP(netlink.ConntrackReplySrcIP, net.ParseIP(f.endpoint)); err != nil {
				return 0, err
			}
		}
		nf = append(nf, c)
	}
	return netlink.ConntrackDeleteFilters(netlink.ConntrackTable, unix.AF_INET, nf...)
}
