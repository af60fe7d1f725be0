package endpointslicemirroring

import (
	"net/netip"
	"sort"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"orca/internal/controller/endpointslice"
)

// MaxEndpointsPerSubset is upstream's --mirroring-max-endpoints-per-subset
// default: the most addresses of one subset mirrored (and so the size of a
// mirrored slice).
const MaxEndpointsPerSubset = 1000

// skipMirrorLabel set to "true" keeps an Endpoints from being mirrored
// (the API server's own Endpoints of the kubernetes Service carry it).
const skipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror"

// leaderAnnotation marks the Endpoints objects old leader election used as
// locks: not endpoints at all.
const leaderAnnotation = "control-plane.alpha.kubernetes.io/leader"

var endpointsKind = v1.SchemeGroupVersion.WithKind("Endpoints")

// ShouldMirror reports whether an Endpoints is mirrored at all (its
// Service is checked by the caller).
func ShouldMirror(ep *v1.Endpoints) bool {
	if ep.Labels[skipMirrorLabel] == "true" {
		return false
	}
	_, lock := ep.Annotations[leaderAnnotation]
	return !lock
}

// Desired groups an Endpoints' addresses by ports and address type, up to
// MaxEndpointsPerSubset addresses (ready first) per subset. skipped counts
// addresses left out: invalid IPs and those over the limit.
func Desired(ep *v1.Endpoints) (groups []endpointslice.Group, skipped int) {
	byKey := map[string]*endpointslice.Group{}
	var keys []string
	add := func(ports []discovery.EndpointPort, at discovery.AddressType, e discovery.Endpoint) {
		g := endpointslice.Group{AddressType: at, Ports: ports}
		k := g.Key()
		if byKey[k] == nil {
			byKey[k] = &g
			keys = append(keys, k)
		}
		byKey[k].Endpoints = append(byKey[k].Endpoints, e)
	}
	for _, s := range ep.Subsets {
		ports := mirrorPorts(s.Ports)
		added := 0
		for _, list := range []struct {
			addrs []v1.EndpointAddress
			ready bool
		}{{s.Addresses, true}, {s.NotReadyAddresses, false}} {
			for _, a := range list.addrs {
				ip, err := netip.ParseAddr(a.IP)
				if err != nil || added >= MaxEndpointsPerSubset {
					skipped++
					continue
				}
				at := discovery.AddressTypeIPv4
				if ip.Is6() && !ip.Is4In6() {
					at = discovery.AddressTypeIPv6
				}
				add(ports, at, addressEndpoint(a, list.ready))
				added++
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		groups = append(groups, *byKey[k])
	}
	return groups, skipped
}

func mirrorPorts(ps []v1.EndpointPort) []discovery.EndpointPort {
	out := []discovery.EndpointPort{}
	for _, p := range ps {
		name, port, proto := p.Name, p.Port, p.Protocol
		if proto == "" {
			proto = v1.ProtocolTCP
		}
		out = append(out, discovery.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: p.AppProtocol})
	}
	return out
}

// addressEndpoint mirrors one address: only the ready condition is known.
func addressEndpoint(a v1.EndpointAddress, ready bool) discovery.Endpoint {
	e := discovery.Endpoint{
		Addresses:  []string{a.IP},
		Conditions: discovery.EndpointConditions{Ready: &ready},
		TargetRef:  a.TargetRef,
		NodeName:   a.NodeName,
	}
	if a.Hostname != "" {
		h := a.Hostname
		e.Hostname = &h
	}
	return e
}

// TargetFor is what the controller wants of an Endpoints' mirrored
// slices: its labels and annotations (but the trigger time and kubectl's
// last applied configuration), owned by the Endpoints.
func TargetFor(ep *v1.Endpoints, groups []endpointslice.Group) endpointslice.Target {
	labels := map[string]string{}
	for k, v := range ep.Labels {
		labels[k] = v
	}
	labels[discovery.LabelServiceName] = ep.Name
	labels[discovery.LabelManagedBy] = ControllerName
	annotations := map[string]string{}
	for k, v := range ep.Annotations {
		if k == v1.EndpointsLastChangeTriggerTime || k == v1.LastAppliedConfigAnnotation {
			continue
		}
		annotations[k] = v
	}
	return endpointslice.Target{
		Groups: groups,
		Types:  []discovery.AddressType{discovery.AddressTypeIPv4, discovery.AddressTypeIPv6},
		Max:    MaxEndpointsPerSubset,
		Meta: metav1.ObjectMeta{
			Namespace:       ep.Namespace,
			GenerateName:    ep.Name + "-",
			Labels:          labels,
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ep, endpointsKind)},
		},
		ManageAnnotations: true,
		Owned: func(s *discovery.EndpointSlice) bool {
			ref := metav1.GetControllerOfNoCopy(s)
			return ref != nil && ref.UID == ep.UID
		},
	}
}
