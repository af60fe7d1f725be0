// Package endpointutil holds what the Endpoints, EndpointSlice and
// EndpointSlice-mirroring controllers share (upstream's
// pkg/controller/util/endpoint): which pods back a Service, their ports and
// addresses, and which pod changes matter.
package endpointutil

import (
	"maps"
	"net/netip"
	"slices"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	corelisters "k8s.io/client-go/listers/core/v1"

	"orca/internal/controller/pods"
)

// ShouldPodBeInEndpoints: a pod backs a Service while it has an IP and is
// not finished; terminating pods only when includeTerminating (the
// EndpointSlice controller always includes them, marked terminating).
func ShouldPodBeInEndpoints(p *v1.Pod, includeTerminating bool) bool {
	if p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed {
		return false
	}
	if p.Status.PodIP == "" && len(p.Status.PodIPs) == 0 {
		return false
	}
	return includeTerminating || p.DeletionTimestamp == nil
}

// ShouldSetHostname: the pod's hostname is published for the Service its
// subdomain names (StatefulSet pods and their governing Service).
func ShouldSetHostname(p *v1.Pod, svc *v1.Service) bool {
	return p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name && p.Namespace == svc.Namespace
}

// FindPort resolves a Service port's targetPort on a pod: a number as is,
// a name through the pod's (and its sidecars') container ports of the same
// protocol. ok is false when the name matches no port.
func FindPort(p *v1.Pod, sp *v1.ServicePort) (int32, bool) {
	if sp.TargetPort.Type == intstr.Int {
		if sp.TargetPort.IntVal == 0 {
			return sp.Port, true // not defaulted (objects made in tests)
		}
		return sp.TargetPort.IntVal, true
	}
	name := sp.TargetPort.StrVal
	proto := sp.Protocol
	if proto == "" {
		proto = v1.ProtocolTCP
	}
	find := func(cs []v1.Container, sidecarsOnly bool) (int32, bool) {
		for _, c := range cs {
			if sidecarsOnly && (c.RestartPolicy == nil || *c.RestartPolicy != v1.ContainerRestartPolicyAlways) {
				continue
			}
			for _, port := range c.Ports {
				pp := port.Protocol
				if pp == "" {
					pp = v1.ProtocolTCP
				}
				if port.Name == name && pp == proto {
					return port.ContainerPort, true
				}
			}
		}
		return 0, false
	}
	if n, ok := find(p.Spec.Containers, false); ok {
		return n, true
	}
	return find(p.Spec.InitContainers, true)
}

// PodIPs are the pod's addresses (status.podIPs, or the older podIP).
func PodIPs(p *v1.Pod) []string {
	if len(p.Status.PodIPs) == 0 {
		if p.Status.PodIP == "" {
			return nil
		}
		return []string{p.Status.PodIP}
	}
	out := make([]string, 0, len(p.Status.PodIPs))
	for _, ip := range p.Status.PodIPs {
		out = append(out, ip.IP)
	}
	return out
}

// IsIPv6 reports whether s is an IPv6 address (false for IPv4 and junk).
func IsIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && !a.Is4In6()
}

// PodChanged reports whether an update of a pod can change any Service's
// endpoints (address, readiness, placement, hostname, labels, deletion,
// phase), and whether its labels changed (then the Services that selected
// the old pod must look too).
func PodChanged(old, cur *v1.Pod) (changed, labelsChanged bool) {
	labelsChanged = !maps.Equal(old.Labels, cur.Labels)
	changed = labelsChanged ||
		(old.DeletionTimestamp == nil) != (cur.DeletionTimestamp == nil) ||
		pods.IsReady(old) != pods.IsReady(cur) ||
		old.Status.Phase != cur.Status.Phase ||
		!slices.Equal(PodIPs(old), PodIPs(cur)) ||
		old.Spec.NodeName != cur.Spec.NodeName ||
		old.Spec.Hostname != cur.Spec.Hostname ||
		old.Spec.Subdomain != cur.Spec.Subdomain
	return changed, labelsChanged
}

// ServicesSelecting lists the keys ("ns/name") of the Services whose
// selector matches the pod.
func ServicesSelecting(services corelisters.ServiceLister, p *v1.Pod) []string {
	all, err := services.Services(p.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var keys []string
	set := labels.Set(p.Labels)
	for _, s := range all {
		if len(s.Spec.Selector) == 0 {
			continue
		}
		if labels.SelectorFromValidatedSet(s.Spec.Selector).Matches(set) {
			keys = append(keys, s.Namespace+"/"+s.Name)
		}
	}
	return keys
}

// HasSelector: the Service's endpoints come from pods (not managed by
// hand, and not an ExternalName).
func HasSelector(s *v1.Service) bool {
	return len(s.Spec.Selector) > 0 && s.Spec.Type != v1.ServiceTypeExternalName
}

// IsHeadless: clusterIP None.
func IsHeadless(s *v1.Service) bool { return s.Spec.ClusterIP == v1.ClusterIPNone }
