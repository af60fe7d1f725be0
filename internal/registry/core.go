package registry

import (
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategies of the core/v1 resources. The small ones (Namespace, Node,
// Endpoints) live here; the others have a file each: pod.go, service.go,
// configmap_secret.go, event.go, pv.go, rc.go.

type namespaceStrategy struct{ Base }
type podStrategy struct{ Base }
type nodeStrategy struct{ Base }
type serviceStrategy struct{ Base }
type endpointsStrategy struct{ Base }
type configMapStrategy struct{ Base }
type secretStrategy struct{ Base }
type eventStrategy struct{ Base }
type pvStrategy struct{ Base }
type pvcStrategy struct{ Base }
type rcStrategy struct{ Base }
type podTemplateStrategy struct{ Base }

// Default labels the namespace with its own name, as upstream does.
func (namespaceStrategy) Default(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	if ns.Name != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[corev1.LabelMetadataName] = ns.Name
	}
	setIfEmpty(&ns.Status.Phase, corev1.NamespaceActive)
}

// PrepareForCreate makes the namespace Active with the kubernetes finalizer.
func (namespaceStrategy) PrepareForCreate(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return
		}
	}
	ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
}

// PrepareForUpdate keeps spec.finalizers: only /finalize changes them.
func (namespaceStrategy) PrepareForUpdate(obj, old runtime.Object) {
	obj.(*corev1.Namespace).Spec.Finalizers = old.(*corev1.Namespace).Spec.Finalizers
}

// standardFinalizers may be used without a domain prefix.
var standardFinalizers = map[string]bool{
	string(corev1.FinalizerKubernetes): true, metav1.FinalizerOrphanDependents: true, metav1.FinalizerDeleteDependents: true,
}

func (namespaceStrategy) Validate(obj runtime.Object) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec", "finalizers")
	for _, f := range obj.(*corev1.Namespace).Spec.Finalizers {
		errs = append(errs, metavalidation.ValidateFinalizerName(string(f), p)...)
		if !strings.Contains(string(f), "/") && !standardFinalizers[string(f)] {
			errs = append(errs, field.Invalid(p, f, "name is neither a standard finalizer name nor is it fully qualified"))
		}
	}
	return errs
}

func (s namespaceStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func (namespaceStrategy) Fields(obj runtime.Object) fields.Set {
	ns := obj.(*corev1.Namespace)
	// "name" is a legacy duplicate of metadata.name upstream still serves.
	return fields.Set{"status.phase": string(ns.Status.Phase), "name": ns.Name}
}

// Default keeps spec.podCIDR and spec.podCIDRs in step and fills
// allocatable from capacity.
func (nodeStrategy) Default(obj runtime.Object) {
	n := obj.(*corev1.Node)
	if len(n.Spec.PodCIDRs) == 0 && n.Spec.PodCIDR != "" {
		n.Spec.PodCIDRs = []string{n.Spec.PodCIDR}
	}
	if len(n.Spec.PodCIDRs) > 0 {
		n.Spec.PodCIDR = n.Spec.PodCIDRs[0]
	}
	if n.Status.Allocatable == nil && n.Status.Capacity != nil {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
	roundResources(n.Status.Capacity)
	roundResources(n.Status.Allocatable)
}

func (nodeStrategy) Validate(obj runtime.Object) field.ErrorList {
	n := obj.(*corev1.Node)
	errs := validateTaints(n.Spec.Taints, field.NewPath("spec", "taints"))
	errs = append(errs, validatePodCIDRs(n.Spec.PodCIDRs, field.NewPath("spec", "podCIDRs"))...)
	errs = append(errs, nonNegativeList(n.Status.Capacity, field.NewPath("status", "capacity"))...)
	return append(errs, nonNegativeList(n.Status.Allocatable, field.NewPath("status", "allocatable"))...)
}

func nonNegativeList(rl corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(rl) {
		if q := rl[k]; q.Sign() < 0 {
			errs = append(errs, field.Invalid(p.Key(string(k)), q.String(), msgNegative))
		}
	}
	return errs
}

func validatePodCIDRs(cidrs []string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	v4, v6 := 0, 0
	for i, c := range cidrs {
		if e := validation.IsValidCIDRForLegacyField(p.Index(i), c, false, nil); len(e) > 0 {
			errs = append(errs, e...)
			continue
		}
		if ip, _, _ := net.ParseCIDR(c); ip != nil && ip.To4() != nil {
			v4++
		} else {
			v6++
		}
	}
	if len(errs) == 0 && len(cidrs) > 1 && (v4 != 1 || v6 != 1) {
		errs = append(errs, field.Invalid(p, cidrs, "may specify no more than one CIDR for each IP family"))
	}
	return errs
}

// ValidateUpdate: podCIDRs and providerID may only go from unset to set.
func (s nodeStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	n, o := obj.(*corev1.Node), old.(*corev1.Node)
	errs := s.Validate(obj)
	const msg = "node updates may not change podCIDR except from \"\" to valid"
	p := field.NewPath("spec", "podCIDRs")
	if len(o.Spec.PodCIDRs) > 0 && len(o.Spec.PodCIDRs) != len(n.Spec.PodCIDRs) {
		errs = append(errs, field.Forbidden(p, msg))
	} else if len(o.Spec.PodCIDRs) > 0 {
		for i, c := range o.Spec.PodCIDRs {
			if n.Spec.PodCIDRs[i] != c {
				errs = append(errs, field.Forbidden(p.Index(i), msg))
			}
		}
	}
	if o.Spec.ProviderID != "" && o.Spec.ProviderID != n.Spec.ProviderID {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "providerID"), "node updates may not change providerID except from \"\" to valid"))
	}
	if n.Spec.DoNotUseExternalID != o.Spec.DoNotUseExternalID {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "externalID"), "may not be updated"))
	}
	return append(errs, duplicateAddresses(n.Status.Addresses)...)
}

func duplicateAddresses(addrs []corev1.NodeAddress) field.ErrorList {
	var errs field.ErrorList
	seen := map[corev1.NodeAddress]bool{}
	for i, a := range addrs {
		if seen[a] {
			errs = append(errs, field.Duplicate(field.NewPath("status", "addresses").Index(i), a))
		}
		seen[a] = true
	}
	return errs
}

func (nodeStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"spec.unschedulable": strconv.FormatBool(obj.(*corev1.Node).Spec.Unschedulable)}
}

func (endpointsStrategy) Default(obj runtime.Object) {
	ep := obj.(*corev1.Endpoints)
	for i := range ep.Subsets {
		for j := range ep.Subsets[i].Ports {
			setIfEmpty(&ep.Subsets[i].Ports[j].Protocol, corev1.ProtocolTCP)
		}
	}
}

func (endpointsStrategy) Validate(obj runtime.Object) field.ErrorList {
	var errs field.ErrorList
	subsets := obj.(*corev1.Endpoints).Subsets
	for i := range subsets {
		ss := &subsets[i]
		sp := field.NewPath("subsets").Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, field.Required(sp, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j := range ss.Addresses {
			errs = append(errs, validateEndpointAddress(&ss.Addresses[j], sp.Child("addresses").Index(j))...)
		}
		for j := range ss.NotReadyAddresses {
			errs = append(errs, validateEndpointAddress(&ss.NotReadyAddresses[j], sp.Child("notReadyAddresses").Index(j))...)
		}
		for j, port := range ss.Ports {
			errs = append(errs, validateEndpointPort(port, len(ss.Ports) > 1, sp.Child("ports").Index(j))...)
		}
	}
	return errs
}

func (s endpointsStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func validateEndpointAddress(a *corev1.EndpointAddress, p *field.Path) field.ErrorList {
	errs := validation.IsValidIPForLegacyField(p.Child("ip"), a.IP, false, nil)
	if len(errs) == 0 {
		errs = append(errs, endpointIP(a.IP, p.Child("ip"))...)
	}
	if a.Hostname != "" {
		errs = append(errs, dns1123Label(a.Hostname, p.Child("hostname"))...)
	}
	if a.NodeName != nil {
		errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, *a.NodeName, p.Child("nodeName"))...)
	}
	return errs
}

// endpointIP refuses addresses that cannot be endpoints. Unlike upstream,
// loopback is allowed: a single-node orca advertises 127.0.0.1 for the
// kubernetes Service.
func endpointIP(s string, p *field.Path) field.ErrorList {
	ip := net.ParseIP(s)
	switch {
	case ip == nil:
		return field.ErrorList{field.Invalid(p, s, "must be a valid IP address")}
	case ip.IsUnspecified():
		return field.ErrorList{field.Invalid(p, s, "may not be unspecified ("+s+")")}
	case ip.IsLinkLocalUnicast():
		return field.ErrorList{field.Invalid(p, s, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")}
	case ip.IsLinkLocalMulticast():
		return field.ErrorList{field.Invalid(p, s, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")}
	}
	return nil
}

func validateEndpointPort(port corev1.EndpointPort, requireName bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if requireName && port.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else if port.Name != "" {
		errs = append(errs, dns1123Label(port.Name, p.Child("name"))...)
	}
	errs = append(errs, msgsInvalid(p.Child("port"), port.Port, validation.IsValidPortNum(int(port.Port)))...)
	errs = append(errs, validateOneOf(p.Child("protocol"), port.Protocol, supportedPortProtocols...)...)
	if port.AppProtocol != nil {
		errs = append(errs, qualifiedName(*port.AppProtocol, p.Child("appProtocol"))...)
	}
	return errs
}
