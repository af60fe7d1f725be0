package endpoints

import (
	"fmt"
	"math"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"

	"orca/internal/controller/endpointutil"
	"orca/internal/controller/pods"
)

// MaxCapacity is the most addresses an Endpoints object holds; beyond it
// the controller truncates and sets the over-capacity annotation.
const MaxCapacity = 1000

// Subsets is the content of a Service's Endpoints: one address per pod
// (of the Service's first IP family), ready or not ready, with the
// Service's ports resolved on that pod; addresses offering the same ports
// share a subset. Terminating pods only appear when the Service
// publishes not-ready addresses.
func Subsets(svc *v1.Service, ps []*v1.Pod) []v1.EndpointSubset {
	var entries []entry
	for _, p := range ps {
		if !endpointutil.ShouldPodBeInEndpoints(p, svc.Spec.PublishNotReadyAddresses) {
			continue
		}
		addr, ok := podAddress(svc, p)
		if !ok {
			continue
		}
		e := entry{addr: addr, ready: svc.Spec.PublishNotReadyAddresses || pods.IsReady(p)}
		if len(svc.Spec.Ports) == 0 && endpointutil.IsHeadless(svc) {
			entries = append(entries, e) // a headless Service without ports still lists addresses
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			n, ok := endpointutil.FindPort(p, sp)
			if !ok {
				continue
			}
			proto := sp.Protocol
			if proto == "" {
				proto = v1.ProtocolTCP
			}
			e.ports = append(e.ports, v1.EndpointPort{Name: sp.Name, Port: n, Protocol: proto, AppProtocol: sp.AppProtocol})
		}
		if len(e.ports) > 0 {
			entries = append(entries, e)
		}
	}
	return repack(entries)
}

// entry is one pod's address with the ports it offers.
type entry struct {
	addr  v1.EndpointAddress
	ready bool
	ports []v1.EndpointPort
}

// podAddress is the pod's address of the Service's family (its first IP
// family; without families, that of the cluster IP, or for a headless
// Service the pod's own).
func podAddress(svc *v1.Service, p *v1.Pod) (v1.EndpointAddress, bool) {
	v6 := false
	switch {
	case len(svc.Spec.IPFamilies) > 0:
		v6 = svc.Spec.IPFamilies[0] == v1.IPv6Protocol
	case svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != v1.ClusterIPNone:
		v6 = endpointutil.IsIPv6(svc.Spec.ClusterIP)
	default:
		v6 = endpointutil.IsIPv6(p.Status.PodIP)
	}
	for _, ip := range endpointutil.PodIPs(p) {
		if endpointutil.IsIPv6(ip) == v6 {
			node := p.Spec.NodeName
			a := v1.EndpointAddress{
				IP: ip, NodeName: &node,
				TargetRef: &v1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
			}
			if endpointutil.ShouldSetHostname(p, svc) {
				a.Hostname = p.Spec.Hostname
			}
			return a, true
		}
	}
	return v1.EndpointAddress{}, false
}

// repack groups addresses by the set of ports they offer, one subset per
// set, sorted (upstream's RepackSubsets and SortSubsets).
func repack(entries []entry) []v1.EndpointSubset {
	byPorts := map[string]*v1.EndpointSubset{}
	var keys []string
	for _, e := range entries {
		ports := append([]v1.EndpointPort(nil), e.ports...)
		sort.Slice(ports, func(i, j int) bool { return portKey(ports[i]) < portKey(ports[j]) })
		var ks []string
		for _, p := range ports {
			ks = append(ks, portKey(p))
		}
		k := strings.Join(ks, ",")
		s := byPorts[k]
		if s == nil {
			s = &v1.EndpointSubset{Ports: ports}
			byPorts[k] = s
			keys = append(keys, k)
		}
		if e.ready {
			s.Addresses = append(s.Addresses, e.addr)
		} else {
			s.NotReadyAddresses = append(s.NotReadyAddresses, e.addr)
		}
	}
	sort.Strings(keys)
	out := []v1.EndpointSubset{}
	for _, k := range keys {
		s := byPorts[k]
		sortAddresses(s.Addresses)
		sortAddresses(s.NotReadyAddresses)
		out = append(out, *s)
	}
	return out
}

func portKey(p v1.EndpointPort) string {
	app := ""
	if p.AppProtocol != nil {
		app = *p.AppProtocol
	}
	return fmt.Sprintf("%s/%d/%s/%s", p.Name, p.Port, p.Protocol, app)
}

func sortAddresses(as []v1.EndpointAddress) {
	sort.Slice(as, func(i, j int) bool {
		if as[i].IP != as[j].IP {
			return as[i].IP < as[j].IP
		}
		return uid(as[i]) < uid(as[j])
	})
}

func uid(a v1.EndpointAddress) string {
	if a.TargetRef == nil {
		return ""
	}
	return string(a.TargetRef.UID)
}

// Truncate cuts subsets to MaxCapacity addresses as upstream does: not
// ready addresses go first; if the ready ones alone are too many, every
// not ready address goes and each subset keeps its proportional share of
// ready ones. It reports whether anything was cut.
func Truncate(subsets []v1.EndpointSubset) bool {
	ready, notReady := 0, 0
	for _, s := range subsets {
		ready += len(s.Addresses)
		notReady += len(s.NotReadyAddresses)
	}
	if ready+notReady <= MaxCapacity {
		return false
	}
	truncReady := ready > MaxCapacity
	room, total := MaxCapacity-ready, notReady
	if truncReady {
		room, total = MaxCapacity, ready
	}
	left := room
	for i := range subsets {
		s := &subsets[i]
		n := len(s.NotReadyAddresses)
		if truncReady {
			n = len(s.Addresses)
		}
		// Shares round up, so the last subsets may get less than theirs.
		share := min(int(math.Ceil(float64(n)/float64(total)*float64(room))), left)
		if truncReady {
			s.Addresses = s.Addresses[:min(share, len(s.Addresses))]
			s.NotReadyAddresses = nil
			left -= len(s.Addresses)
		} else {
			s.NotReadyAddresses = s.NotReadyAddresses[:min(share, len(s.NotReadyAddresses))]
			left -= len(s.NotReadyAddresses)
		}
	}
	return true
}
