package registry

import (
	"net"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategies of networking.k8s.io/v1 and discovery.k8s.io/v1. NetworkPolicy
// is here; Ingress and IngressClass are in ingress.go, EndpointSlice in
// endpointslice.go.

type ingressStrategy struct{ Base }
type networkPolicyStrategy struct{ Base }
type endpointSliceStrategy struct{ Base }

// Default: policies without policyTypes apply to ingress, and to egress
// when they have egress rules; ports are TCP unless said otherwise.
func (networkPolicyStrategy) Default(obj runtime.Object) {
	spec := &obj.(*networkingv1.NetworkPolicy).Spec
	if len(spec.PolicyTypes) == 0 {
		spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(spec.Egress) > 0 {
			spec.PolicyTypes = append(spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	for i := range spec.Ingress {
		defaultPolicyPorts(spec.Ingress[i].Ports)
	}
	for i := range spec.Egress {
		defaultPolicyPorts(spec.Egress[i].Ports)
	}
}

func defaultPolicyPorts(ports []networkingv1.NetworkPolicyPort) {
	for i := range ports {
		setIfNil(&ports[i].Protocol, corev1.ProtocolTCP)
	}
}

func (networkPolicyStrategy) PrepareForCreate(obj runtime.Object) { setGeneration(obj, 1) }

func (networkPolicyStrategy) PrepareForUpdate(obj, old runtime.Object) {
	a, b := obj.(*networkingv1.NetworkPolicy), old.(*networkingv1.NetworkPolicy)
	bumpGenerationIf(obj, old, !equality.Semantic.DeepEqual(a.Spec, b.Spec))
}

func (networkPolicyStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*networkingv1.NetworkPolicy).Spec
	p := field.NewPath("spec")
	errs := labelSelector(&spec.PodSelector, p.Child("podSelector"))
	for i, r := range spec.Ingress {
		rp := p.Child("ingress").Index(i)
		errs = append(errs, validatePolicyPorts(r.Ports, rp.Child("ports"))...)
		errs = append(errs, validatePolicyPeers(r.From, rp.Child("from"))...)
	}
	for i, r := range spec.Egress {
		rp := p.Child("egress").Index(i)
		errs = append(errs, validatePolicyPorts(r.Ports, rp.Child("ports"))...)
		errs = append(errs, validatePolicyPeers(r.To, rp.Child("to"))...)
	}
	return append(errs, validatePolicyTypes(spec.PolicyTypes, p.Child("policyTypes"))...)
}

func (s networkPolicyStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func validatePolicyTypes(types []networkingv1.PolicyType, p *field.Path) field.ErrorList {
	allowed := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	if len(types) > len(allowed) {
		return field.ErrorList{field.Invalid(p, types, "may not specify more than two policyTypes")}
	}
	var errs field.ErrorList
	for i, t := range types {
		if t != allowed[0] && t != allowed[1] {
			errs = append(errs, field.NotSupported(p.Index(i), t, allowed))
		}
	}
	return errs
}

func validatePolicyPorts(ports []networkingv1.NetworkPolicyPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		pp := p.Index(i)
		if port.Protocol != nil {
			errs = append(errs, validateOneOf(pp.Child("protocol"), *port.Protocol, corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP)...)
		}
		errs = append(errs, validatePolicyPortRange(port, pp)...)
	}
	return errs
}

func validatePolicyPortRange(port networkingv1.NetworkPolicyPort, p *field.Path) field.ErrorList {
	ep := p.Child("endPort")
	switch {
	case port.Port == nil && port.EndPort != nil:
		return field.ErrorList{field.Invalid(ep, *port.EndPort, "may not be specified when `port` is not specified")}
	case port.Port == nil:
		return nil
	case port.Port.Type == intstr.String:
		errs := msgsInvalid(p.Child("port"), port.Port.StrVal, validation.IsValidPortName(port.Port.StrVal))
		if port.EndPort != nil {
			errs = append(errs, field.Invalid(ep, *port.EndPort, "may not be specified when `port` is non-numeric"))
		}
		return errs
	}
	errs := msgsInvalid(p.Child("port"), port.Port.IntVal, validation.IsValidPortNum(int(port.Port.IntVal)))
	if port.EndPort != nil {
		if *port.EndPort < port.Port.IntVal {
			errs = append(errs, field.Invalid(ep, port.Port.IntVal, "must be greater than or equal to `port`"))
		}
		errs = append(errs, msgsInvalid(ep, *port.EndPort, validation.IsValidPortNum(int(*port.EndPort)))...)
	}
	return errs
}

// validatePolicyPeers: each peer names pods, namespaces or an IP block,
// and an IP block stands alone.
func validatePolicyPeers(peers []networkingv1.NetworkPolicyPeer, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, peer := range peers {
		pp := p.Index(i)
		n := 0
		if peer.PodSelector != nil {
			n++
			errs = append(errs, labelSelector(peer.PodSelector, pp.Child("podSelector"))...)
		}
		if peer.NamespaceSelector != nil {
			n++
			errs = append(errs, labelSelector(peer.NamespaceSelector, pp.Child("namespaceSelector"))...)
		}
		if peer.IPBlock != nil {
			n++
			errs = append(errs, validateIPBlock(peer.IPBlock, pp.Child("ipBlock"))...)
		}
		if n == 0 {
			errs = append(errs, field.Required(pp, "must specify a peer"))
		} else if n > 1 && peer.IPBlock != nil {
			errs = append(errs, field.Forbidden(pp, "may not specify both ipBlock and another peer"))
		}
	}
	return errs
}

func validateIPBlock(b *networkingv1.IPBlock, p *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(p.Child("cidr"), "")}
	}
	errs := validation.IsValidCIDRForLegacyField(p.Child("cidr"), b.CIDR, false, nil)
	_, outer, err := net.ParseCIDR(b.CIDR)
	if err != nil {
		return errs
	}
	outerLen, _ := outer.Mask.Size()
	for i, ex := range b.Except {
		xp := p.Child("except").Index(i)
		e := validation.IsValidCIDRForLegacyField(xp, ex, false, nil)
		errs = append(errs, e...)
		_, inner, err := net.ParseCIDR(ex)
		if len(e) > 0 || err != nil {
			continue
		}
		innerLen, _ := inner.Mask.Size()
		if !outer.Contains(inner.IP) || outerLen >= innerLen {
			errs = append(errs, field.Invalid(xp, ex, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}
