package registry

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The Service strategy: upstream's SetDefaults_Service, the clusterIP /
// clusterIPs normalisation, IP family defaults and the clearing of fields a
// type change makes meaningless. The ClusterIP and NodePorts themselves are
// allocated later, by the allocation hooks (servicealloc.go).

func (serviceStrategy) Default(obj runtime.Object) {
	spec := &obj.(*corev1.Service).Spec
	setIfEmpty(&spec.SessionAffinity, corev1.ServiceAffinityNone)
	defaultAffinityConfig(spec)
	setIfEmpty(&spec.Type, corev1.ServiceTypeClusterIP)
	for i := range spec.Ports {
		sp := &spec.Ports[i]
		setIfEmpty(&sp.Protocol, corev1.ProtocolTCP)
		if sp.TargetPort == intstr.FromInt32(0) || sp.TargetPort == intstr.FromString("") {
			sp.TargetPort = intstr.FromInt32(sp.Port)
		}
	}
	if externallyAccessible(spec) {
		setIfEmpty(&spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyCluster)
	}
	if spec.InternalTrafficPolicy == nil && spec.Type != corev1.ServiceTypeExternalName {
		spec.InternalTrafficPolicy = ptrTo(corev1.ServiceInternalTrafficPolicyCluster)
	}
	if spec.Type == corev1.ServiceTypeLoadBalancer {
		setIfNil(&spec.AllocateLoadBalancerNodePorts, true)
	}
}

func defaultAffinityConfig(spec *corev1.ServiceSpec) {
	switch spec.SessionAffinity {
	case corev1.ServiceAffinityNone:
		spec.SessionAffinityConfig = nil
	case corev1.ServiceAffinityClientIP:
		c := spec.SessionAffinityConfig
		if c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptrTo(corev1.DefaultClientIPServiceAffinitySeconds)}}
		}
	}
}

// externallyAccessible: reachable from outside the cluster network.
func externallyAccessible(spec *corev1.ServiceSpec) bool {
	return spec.Type == corev1.ServiceTypeLoadBalancer || spec.Type == corev1.ServiceTypeNodePort ||
		(spec.Type == corev1.ServiceTypeClusterIP && len(spec.ExternalIPs) > 0)
}

func isHeadless(spec *corev1.ServiceSpec) bool {
	return len(spec.ClusterIPs) == 1 && spec.ClusterIPs[0] == corev1.ClusterIPNone
}

func (serviceStrategy) PrepareForCreate(obj runtime.Object) {
	spec := &obj.(*corev1.Service).Spec
	if spec.ClusterIP != "" && len(spec.ClusterIPs) == 0 {
		spec.ClusterIPs = []string{spec.ClusterIP}
	}
	defaultIPFamilies(spec)
}

// defaultIPFamilies fills the family policy (and, for headless Services,
// the family) the allocator would otherwise leave unset.
func defaultIPFamilies(spec *corev1.ServiceSpec) {
	if spec.Type == corev1.ServiceTypeExternalName {
		return
	}
	if spec.IPFamilyPolicy == nil {
		policy := corev1.IPFamilyPolicySingleStack
		if len(spec.ClusterIPs) > 1 || len(spec.IPFamilies) > 1 {
			policy = corev1.IPFamilyPolicyRequireDualStack
		} else if isHeadless(spec) && len(spec.Selector) == 0 {
			policy = corev1.IPFamilyPolicyRequireDualStack
		}
		spec.IPFamilyPolicy = &policy
	}
	if isHeadless(spec) && len(spec.IPFamilies) == 0 {
		spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
}

// PrepareForUpdate carries allocated values a client left out, keeps
// clusterIP and clusterIPs consistent, and drops what the new type no
// longer uses when the client did not change it.
func (serviceStrategy) PrepareForUpdate(obj, old runtime.Object) {
	svc, o := obj.(*corev1.Service), old.(*corev1.Service)
	patchAllocated(&svc.Spec, &o.Spec)
	normalizeClusterIPs(&svc.Spec, &o.Spec)
	if svc.Spec.IPFamilyPolicy == nil && svc.Spec.Type != corev1.ServiceTypeExternalName && o.Spec.Type != corev1.ServiceTypeExternalName {
		svc.Spec.IPFamilyPolicy = o.Spec.IPFamilyPolicy
	}
	if len(svc.Spec.IPFamilies) == 0 && svc.Spec.Type != corev1.ServiceTypeExternalName {
		svc.Spec.IPFamilies = o.Spec.IPFamilies
	}
	dropTypeDependent(svc, o)
	defaultIPFamilies(&svc.Spec)
}

func needsIP(spec *corev1.ServiceSpec) bool { return spec.Type != corev1.ServiceTypeExternalName }

func needsPorts(spec *corev1.ServiceSpec) bool {
	return spec.Type == corev1.ServiceTypeNodePort ||
		(spec.Type == corev1.ServiceTypeLoadBalancer && (spec.AllocateLoadBalancerNodePorts == nil || *spec.AllocateLoadBalancerNodePorts))
}

func needsHealthCheck(spec *corev1.ServiceSpec) bool {
	return spec.Type == corev1.ServiceTypeLoadBalancer && spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// patchAllocated copies the clusterIP, node ports and health-check port
// from the stored Service when the update omits them.
func patchAllocated(spec, old *corev1.ServiceSpec) {
	if needsIP(old) && needsIP(spec) {
		setIfEmpty(&spec.ClusterIP, old.ClusterIP)
		if len(spec.ClusterIPs) == 0 {
			spec.ClusterIPs = old.ClusterIPs
		}
	}
	if needsPorts(old) && needsPorts(spec) {
		patchNodePorts(spec.Ports, old.Ports)
	}
	if needsHealthCheck(old) && needsHealthCheck(spec) {
		setIfEmpty(&spec.HealthCheckNodePort, old.HealthCheckNodePort)
	}
}

// patchNodePorts gives a port without a nodePort the one its namesake had,
// unless another port already uses it.
func patchNodePorts(ports, old []corev1.ServicePort) {
	used := map[int32]bool{}
	for _, p := range ports {
		used[p.NodePort] = true
	}
	byName := map[string]int32{}
	for _, p := range old {
		byName[p.Name] = p.NodePort
	}
	for i := range ports {
		if np := byName[ports[i].Name]; ports[i].NodePort == 0 && !used[np] {
			ports[i].NodePort = np
			used[np] = true
		}
	}
}

// normalizeClusterIPs guesses what an update meant when it set only one of
// clusterIP and clusterIPs.
func normalizeClusterIPs(spec, old *corev1.ServiceSpec) {
	if len(old.ClusterIPs) > 0 && len(spec.ClusterIPs) == 0 && old.ClusterIP == spec.ClusterIP {
		spec.ClusterIPs = old.ClusterIPs
	}
	if old.ClusterIP == spec.ClusterIP {
		return
	}
	same := slices.Equal(old.ClusterIPs, spec.ClusterIPs)
	if old.ClusterIP != "" && spec.ClusterIP == "" && same {
		spec.ClusterIPs = nil
	}
	if spec.ClusterIP != "" && same {
		spec.ClusterIPs = []string{spec.ClusterIP}
	}
}

// dropTypeDependent clears, on a type change, the fields only the old type
// used, when the client left them as they were.
func dropTypeDependent(svc, old *corev1.Service) {
	spec, o := &svc.Spec, &old.Spec
	if needsIP(o) && !needsIP(spec) {
		if spec.ClusterIP == o.ClusterIP && slices.Equal(spec.ClusterIPs, o.ClusterIPs) {
			spec.ClusterIP, spec.ClusterIPs = "", nil
		}
		if slices.Equal(spec.IPFamilies, o.IPFamilies) {
			spec.IPFamilies = nil
		}
		if ptrEqual(spec.IPFamilyPolicy, o.IPFamilyPolicy) {
			spec.IPFamilyPolicy = nil
		}
	}
	if needsPorts(o) && !needsPorts(spec) && sameNodePorts(spec.Ports, o.Ports) {
		for i := range spec.Ports {
			spec.Ports[i].NodePort = 0
		}
	}
	if needsHealthCheck(o) && !needsHealthCheck(spec) && spec.HealthCheckNodePort == o.HealthCheckNodePort {
		spec.HealthCheckNodePort = 0
	}
	dropLoadBalancerFields(svc, old)
	if externallyAccessible(o) && !externallyAccessible(spec) && spec.ExternalTrafficPolicy == o.ExternalTrafficPolicy {
		spec.ExternalTrafficPolicy = ""
	}
}

func dropLoadBalancerFields(svc, old *corev1.Service) {
	if old.Spec.Type != corev1.ServiceTypeLoadBalancer || svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		return
	}
	if ptrEqual(svc.Spec.AllocateLoadBalancerNodePorts, old.Spec.AllocateLoadBalancerNodePorts) {
		svc.Spec.AllocateLoadBalancerNodePorts = nil
	}
	if ptrEqual(svc.Spec.LoadBalancerClass, old.Spec.LoadBalancerClass) {
		svc.Spec.LoadBalancerClass = nil
	}
	svc.Status.LoadBalancer = corev1.LoadBalancerStatus{}
}

func sameNodePorts(a, b []corev1.ServicePort) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].NodePort != b[i].NodePort {
			return false
		}
	}
	return true
}

func ptrEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (serviceStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateService(obj.(*corev1.Service))
}

func (serviceStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	svc, o := obj.(*corev1.Service), old.(*corev1.Service)
	errs := validateClusterIPsUpdate(&svc.Spec, &o.Spec)
	errs = append(errs, validateIPFamiliesUpdate(&svc.Spec, &o.Spec)...)
	return append(errs, validateService(svc)...)
}

func (serviceStrategy) Fields(obj runtime.Object) fields.Set {
	svc := obj.(*corev1.Service)
	return fields.Set{"spec.clusterIP": svc.Spec.ClusterIP, "spec.type": string(svc.Spec.Type)}
}
