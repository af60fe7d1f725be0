package registry

import (
	"fmt"
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of Services, as upstream's ValidateService and
// ValidateServiceUpdate. A clusterIP left empty is fine here: it is
// allocated after validation.

var (
	serviceTypes = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName,
		corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort}
	ipFamilyPolicies = []corev1.IPFamilyPolicy{corev1.IPFamilyPolicyPreferDualStack,
		corev1.IPFamilyPolicyRequireDualStack, corev1.IPFamilyPolicySingleStack}
)

func validateService(svc *corev1.Service) field.ErrorList {
	spec := &svc.Spec
	sp := field.NewPath("spec")
	var errs field.ErrorList
	if len(spec.Ports) == 0 && !isHeadless(spec) && spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(sp.Child("ports"), ""))
	}
	errs = append(errs, validateServiceType(spec, sp)...)
	errs = append(errs, validateServicePorts(spec, sp.Child("ports"))...)
	if spec.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabels(spec.Selector, sp.Child("selector"))...)
	}
	errs = append(errs, validateSessionAffinity(spec, sp)...)
	errs = append(errs, validateClusterIPs(spec, sp)...)
	for i, ip := range spec.ExternalIPs {
		errs = append(errs, validation.IsValidIPForLegacyField(sp.Child("externalIPs").Index(i), ip, false, nil)...)
	}
	errs = append(errs, validateLoadBalancerFields(spec, sp)...)
	if td := spec.TrafficDistribution; td != nil {
		errs = append(errs, validateOneOf(sp.Child("trafficDistribution"), *td, corev1.ServiceTrafficDistributionPreferClose,
			corev1.ServiceTrafficDistributionPreferSameZone, corev1.ServiceTrafficDistributionPreferSameNode)...)
	}
	errs = append(errs, validateTrafficPolicies(spec, sp)...)
	return errs
}

func validateServiceType(spec *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if isHeadless(spec) {
			errs = append(errs, field.Invalid(sp.Child("clusterIPs").Index(0), spec.ClusterIPs[0], fmt.Sprintf("may not be set to 'None' for %s services", spec.Type)))
		}
	case corev1.ServiceTypeExternalName:
		errs = append(errs, validateExternalName(spec, sp)...)
	}
	errs = append(errs, validateOneOf(sp.Child("type"), spec.Type, serviceTypes...)...)
	if spec.Type == corev1.ServiceTypeClusterIP {
		for i, port := range spec.Ports {
			if port.NodePort != 0 {
				errs = append(errs, field.Forbidden(sp.Child("ports").Index(i).Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	return errs
}

func validateExternalName(spec *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	const msg = "may not be set for ExternalName services"
	var errs field.ErrorList
	if len(spec.ClusterIPs) > 0 {
		errs = append(errs, field.Forbidden(sp.Child("clusterIPs"), msg))
	}
	if len(spec.IPFamilies) > 0 {
		errs = append(errs, field.Forbidden(sp.Child("ipFamilies"), msg))
	}
	if spec.IPFamilyPolicy != nil {
		errs = append(errs, field.Forbidden(sp.Child("ipFamilyPolicy"), msg))
	}
	cname := strings.TrimSuffix(spec.ExternalName, ".")
	if cname == "" {
		return append(errs, field.Required(sp.Child("externalName"), ""))
	}
	return append(errs, dns1123Subdomain(cname, sp.Child("externalName"))...)
}

// validateServicePorts: valid, named when there are several, and unique by
// name, by protocol/port and by protocol/nodePort.
func validateServicePorts(spec *corev1.ServiceSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	ports, nodePorts := sets.New[string](), sets.New[string]()
	for i := range spec.Ports {
		port := &spec.Ports[i]
		pp := p.Index(i)
		errs = append(errs, validateServicePort(port, len(spec.Ports) > 1, names, pp)...)
		key := fmt.Sprintf("%s/%d", port.Protocol, port.Port)
		if ports.Has(key) {
			errs = append(errs, field.Duplicate(pp, corev1.ServicePort{Protocol: port.Protocol, Port: port.Port}))
		}
		ports.Insert(key)
		if port.NodePort == 0 {
			continue
		}
		npKey := fmt.Sprintf("%s/%d", port.Protocol, port.NodePort)
		if nodePorts.Has(npKey) {
			errs = append(errs, field.Duplicate(pp.Child("nodePort"), port.NodePort))
		}
		nodePorts.Insert(npKey)
	}
	return errs
}

func validateServicePort(port *corev1.ServicePort, requireName bool, names sets.Set[string], p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if requireName && port.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else if port.Name != "" {
		errs = append(errs, dns1123Label(port.Name, p.Child("name"))...)
		if names.Has(port.Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
		}
		names.Insert(port.Name)
	}
	errs = append(errs, msgsInvalid(p.Child("port"), port.Port, validation.IsValidPortNum(int(port.Port)))...)
	errs = append(errs, validateOneOf(p.Child("protocol"), port.Protocol, supportedPortProtocols...)...)
	errs = append(errs, portNumOrName(port.TargetPort, p.Child("targetPort"))...)
	if port.AppProtocol != nil {
		errs = append(errs, qualifiedName(*port.AppProtocol, p.Child("appProtocol"))...)
	}
	return errs
}

func validateSessionAffinity(spec *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	errs := validateOneOf(sp.Child("sessionAffinity"), spec.SessionAffinity, corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone)
	switch spec.SessionAffinity {
	case corev1.ServiceAffinityClientIP:
		cp := sp.Child("sessionAffinityConfig")
		c := spec.SessionAffinityConfig
		if c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			return append(errs, field.Required(cp.Child("clientIP", "timeoutSeconds"), "when `sessionAffinity` is ClientIP"))
		}
		if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > 86400 {
			errs = append(errs, field.Invalid(cp.Child("clientIP", "timeoutSeconds"), t, "must be greater than 0 and less than 86400"))
		}
	case corev1.ServiceAffinityNone:
		if spec.SessionAffinityConfig != nil {
			errs = append(errs, field.Forbidden(sp.Child("sessionAffinityConfig"), "must not be set when session affinity is None"))
		}
	}
	return errs
}

// validateClusterIPs checks clusterIP, clusterIPs, ipFamilies and
// ipFamilyPolicy agree with one another.
func validateClusterIPs(spec *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	if spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	ipsPath := sp.Child("clusterIPs")
	var errs field.ErrorList
	switch {
	case spec.ClusterIP != "" && len(spec.ClusterIPs) == 0:
		errs = append(errs, field.Required(ipsPath, ""))
	case spec.ClusterIP != "" && spec.ClusterIPs[0] != spec.ClusterIP:
		errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "first value must match `clusterIP`"))
	case spec.ClusterIP == "" && len(spec.ClusterIPs) > 0:
		errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "must be empty when `clusterIP` is not specified"))
	}
	errs = append(errs, validateIPFamilies(spec, sp)...)
	ipErrs := validateClusterIPValues(spec.ClusterIPs, ipsPath)
	if len(ipErrs) > 0 {
		return append(errs, ipErrs...)
	}
	return append(errs, validateIPsMatchFamilies(spec, ipsPath)...)
}

func validateIPFamilies(spec *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[corev1.IPFamily]()
	for i, f := range spec.IPFamilies {
		fp := sp.Child("ipFamilies").Index(i)
		if f != corev1.IPv4Protocol && f != corev1.IPv6Protocol {
			errs = append(errs, field.NotSupported(fp, f, []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}))
		}
		if seen.Has(f) {
			errs = append(errs, field.Duplicate(fp, f))
		}
		seen.Insert(f)
	}
	if spec.IPFamilyPolicy != nil {
		errs = append(errs, validateOneOf(sp.Child("ipFamilyPolicy"), *spec.IPFamilyPolicy, ipFamilyPolicies...)...)
	}
	return errs
}

func validateClusterIPValues(ips []string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ip := range ips {
		if i == 0 && ip == corev1.ClusterIPNone {
			if len(ips) > 1 {
				errs = append(errs, field.Invalid(p, ips, "'None' must be the first and only value"))
			}
			continue
		}
		errs = append(errs, validation.IsValidIPForLegacyField(p.Index(i), ip, false, nil)...)
	}
	if len(ips) > 2 {
		errs = append(errs, field.Invalid(p, ips, "may only hold up to 2 values"))
	}
	if len(errs) == 0 && len(ips) == 2 && isIPv6(ips[0]) == isIPv6(ips[1]) {
		errs = append(errs, field.Invalid(p, ips, "may specify no more than one IP for each IP family"))
	}
	return errs
}

func isIPv6(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() == nil
}

func validateIPsMatchFamilies(spec *corev1.ServiceSpec, p *field.Path) field.ErrorList {
	if isHeadless(spec) {
		return nil
	}
	var errs field.ErrorList
	for i, ip := range spec.ClusterIPs {
		if i >= len(spec.IPFamilies) {
			break
		}
		want := spec.IPFamilies[i]
		if want == corev1.IPv4Protocol && isIPv6(ip) || want == corev1.IPv6Protocol && !isIPv6(ip) {
			errs = append(errs, field.Invalid(p.Index(i), ip, fmt.Sprintf("expected an %s value as indicated by `ipFamilies[%d]`", want, i)))
		}
	}
	return errs
}

func validateLoadBalancerFields(spec *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	lb := spec.Type == corev1.ServiceTypeLoadBalancer
	if len(spec.LoadBalancerSourceRanges) > 0 {
		rp := sp.Child("LoadBalancerSourceRanges")
		if !lb {
			errs = append(errs, field.Forbidden(rp, "may only be used when `type` is 'LoadBalancer'"))
		}
		for i, r := range spec.LoadBalancerSourceRanges {
			errs = append(errs, validation.IsValidCIDRForLegacyField(rp.Index(i), strings.TrimSpace(r), false, nil)...)
		}
	}
	if spec.AllocateLoadBalancerNodePorts != nil && !lb {
		errs = append(errs, field.Forbidden(sp.Child("allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'"))
	}
	if lb && spec.AllocateLoadBalancerNodePorts == nil {
		errs = append(errs, field.Required(field.NewPath("allocateLoadBalancerNodePorts"), ""))
	}
	if spec.LoadBalancerClass != nil {
		if !lb {
			errs = append(errs, field.Forbidden(sp.Child("loadBalancerClass"), "may only be used when `type` is 'LoadBalancer'"))
		}
		errs = append(errs, qualifiedName(*spec.LoadBalancerClass, sp.Child("loadBalancerClass"))...)
	}
	return errs
}

func validateTrafficPolicies(spec *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	etp := sp.Child("externalTrafficPolicy")
	if !externallyAccessible(spec) {
		if spec.ExternalTrafficPolicy != "" {
			errs = append(errs, field.Invalid(etp, spec.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
		}
	} else {
		errs = append(errs, validateOneOf(etp, spec.ExternalTrafficPolicy,
			corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal)...)
	}
	if !needsHealthCheck(spec) && spec.HealthCheckNodePort != 0 {
		errs = append(errs, field.Invalid(sp.Child("healthCheckNodePort"), spec.HealthCheckNodePort,
			"may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
	}
	itp := sp.Child("internalTrafficPolicy")
	if spec.InternalTrafficPolicy == nil && spec.Type != corev1.ServiceTypeExternalName && spec.Type != "" {
		errs = append(errs, field.Required(itp, fmt.Sprintf("must be specified when `type` is '%s'", spec.Type)))
	}
	if spec.InternalTrafficPolicy != nil {
		errs = append(errs, validateOneOf(itp, *spec.InternalTrafficPolicy,
			corev1.ServiceInternalTrafficPolicyCluster, corev1.ServiceInternalTrafficPolicyLocal)...)
	}
	return errs
}

// validateClusterIPsUpdate: the primary clusterIP never changes, unless the
// Service goes to or from ExternalName (or stays headless).
func validateClusterIPsUpdate(spec, old *corev1.ServiceSpec) field.ErrorList {
	if spec.Type == corev1.ServiceTypeExternalName || old.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if isHeadless(spec) && isHeadless(old) {
		return nil
	}
	p := field.NewPath("spec", "clusterIPs")
	switch {
	case len(old.ClusterIPs) == len(spec.ClusterIPs):
		var errs field.ErrorList
		for i, ip := range old.ClusterIPs {
			if ip != spec.ClusterIPs[i] {
				errs = append(errs, field.Invalid(p.Index(i), spec.ClusterIPs, "may not change once set"))
			}
		}
		return errs
	case len(spec.ClusterIPs) == 0:
		return field.ErrorList{field.Invalid(p.Index(0), spec.ClusterIPs, "primary clusterIP can not be unset")}
	case len(old.ClusterIPs) > 0 && spec.ClusterIPs[0] != old.ClusterIPs[0]:
		return field.ErrorList{field.Invalid(p.Index(0), spec.ClusterIPs, "may not change once set")}
	case len(old.ClusterIPs) > len(spec.ClusterIPs) && (spec.IPFamilyPolicy == nil || *spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack):
		return field.ErrorList{field.Invalid(p.Index(0), spec.ClusterIPs, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP")}
	}
	return nil
}

// validateIPFamiliesUpdate: the primary family never changes either.
func validateIPFamiliesUpdate(spec, old *corev1.ServiceSpec) field.ErrorList {
	if spec.Type == corev1.ServiceTypeExternalName || old.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if len(old.IPFamilies) > 0 && len(spec.IPFamilies) > 0 && old.IPFamilies[0] != spec.IPFamilies[0] {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "ipFamilies").Index(0), spec.IPFamilies, "may not change once set")}
	}
	return nil
}
