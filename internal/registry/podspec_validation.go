package registry

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of a PodSpec, as upstream's ValidatePodSpec: the checks of the
// spec as a whole live here; containers, volumes, resources, probes and
// scheduling have their own files.

func validatePodSpec(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.TerminationGracePeriodSeconds == nil {
		errs = append(errs, field.Required(p.Child("terminationGracePeriodSeconds"), ""))
	}
	vols, verrs := validateVolumes(spec.Volumes, p.Child("volumes"))
	errs = append(errs, verrs...)
	errs = append(errs, validateContainers(spec, vols, p.Child("containers"))...)
	errs = append(errs, validateInitContainers(spec, vols, p.Child("initContainers"))...)
	errs = append(errs, validateEphemeralContainers(spec, vols, p.Child("ephemeralContainers"))...)
	errs = append(errs, validateHostNetworkPorts(spec, p)...)
	errs = append(errs, validateRestartPolicy(spec.RestartPolicy, p.Child("restartPolicy"))...)
	errs = append(errs, validateDNSPolicy(spec.DNSPolicy, p.Child("dnsPolicy"))...)
	errs = append(errs, metav1validation.ValidateLabels(spec.NodeSelector, p.Child("nodeSelector"))...)
	errs = append(errs, validatePodSecurityContext(spec.SecurityContext, p.Child("securityContext"))...)
	errs = append(errs, validateImagePullSecrets(spec.ImagePullSecrets, p.Child("imagePullSecrets"))...)
	errs = append(errs, validateAffinity(spec.Affinity, p.Child("affinity"))...)
	errs = append(errs, validateDNSConfig(spec.DNSConfig, spec.DNSPolicy, p.Child("dnsConfig"))...)
	errs = append(errs, validateReadinessGates(spec.ReadinessGates, p.Child("readinessGates"))...)
	errs = append(errs, validateSchedulingGates(spec.SchedulingGates, p.Child("schedulingGates"))...)
	errs = append(errs, validateTopologySpread(spec.TopologySpreadConstraints, p.Child("topologySpreadConstraints"))...)
	errs = append(errs, validateTolerations(spec.Tolerations, p.Child("tolerations"))...)
	errs = append(errs, validateHostAliases(spec.HostAliases, p.Child("hostAliases"))...)
	errs = append(errs, validatePodNames(spec, p)...)
	errs = append(errs, validatePodScalars(spec, p)...)
	return errs
}

// validatePodNames checks the names a spec refers to.
func validatePodNames(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.ServiceAccountName != "" {
		errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, spec.ServiceAccountName, p.Child("serviceAccountName"))...)
	}
	if spec.NodeName != "" {
		errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, spec.NodeName, p.Child("nodeName"))...)
	}
	if spec.Hostname != "" {
		errs = append(errs, dns1123Label(spec.Hostname, p.Child("hostname"))...)
	}
	if spec.Subdomain != "" {
		errs = append(errs, dns1123Label(spec.Subdomain, p.Child("subdomain"))...)
	}
	if spec.PriorityClassName != "" {
		errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, spec.PriorityClassName, p.Child("priorityClassName"))...)
	}
	if spec.RuntimeClassName != nil {
		errs = append(errs, nameFn(path.ValidatePathSegmentName, *spec.RuntimeClassName, p.Child("runtimeClassName"))...)
	}
	return errs
}

// validatePodScalars checks the numeric and enumerated pod fields.
func validatePodScalars(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if v := spec.ActiveDeadlineSeconds; v != nil && (*v < 1 || *v > math.MaxInt32) {
		errs = append(errs, field.Invalid(p.Child("activeDeadlineSeconds"), *v, validation.InclusiveRangeError(1, math.MaxInt32)))
	}
	if spec.PreemptionPolicy != nil {
		errs = append(errs, validatePreemptionPolicy(spec.PreemptionPolicy, p.Child("preemptionPolicy"))...)
	}
	if spec.Overhead != nil {
		errs = append(errs, validateResourceList(spec.Overhead, p.Child("overhead"))...)
	}
	if spec.OS != nil {
		errs = append(errs, validateOneOf(p.Child("os", "name"), spec.OS.Name, corev1.Linux, corev1.Windows)...)
	}
	if spec.Resources != nil {
		errs = append(errs, validateResources(spec.Resources, p.Child("resources"))...)
	}
	return errs
}

func validatePreemptionPolicy(pp *corev1.PreemptionPolicy, p *field.Path) field.ErrorList {
	return validateOneOf(p, *pp, corev1.PreemptLowerPriority, corev1.PreemptNever)
}

// validateOneOf is upstream's common switch: empty is Required, anything
// outside the set is NotSupported.
func validateOneOf[T ~string](p *field.Path, v T, allowed ...T) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(p, v, allowed)}
}

func validateRestartPolicy(rp corev1.RestartPolicy, p *field.Path) field.ErrorList {
	return validateOneOf(p, rp, corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)
}

func validateDNSPolicy(dp corev1.DNSPolicy, p *field.Path) field.ErrorList {
	return validateOneOf(p, dp, corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone)
}

const (
	maxDNSNameservers = 3
	maxDNSSearchPaths = 32
)

func validateDNSConfig(cfg *corev1.PodDNSConfig, policy corev1.DNSPolicy, p *field.Path) field.ErrorList {
	if policy == corev1.DNSNone && cfg == nil {
		return field.ErrorList{field.Required(p, "must provide `dnsConfig` when `dnsPolicy` is None")}
	}
	if cfg == nil {
		return nil
	}
	var errs field.ErrorList
	if policy == corev1.DNSNone && len(cfg.Nameservers) == 0 {
		errs = append(errs, field.Required(p.Child("nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"))
	}
	if len(cfg.Nameservers) > maxDNSNameservers {
		errs = append(errs, field.Invalid(p.Child("nameservers"), cfg.Nameservers, "must not have more than 3 nameservers"))
	}
	for i, ns := range cfg.Nameservers {
		errs = append(errs, validation.IsValidIPForLegacyField(p.Child("nameservers").Index(i), ns, false, nil)...)
	}
	if len(cfg.Searches) > maxDNSSearchPaths {
		errs = append(errs, field.Invalid(p.Child("searches"), cfg.Searches, "must not have more than 32 search paths"))
	}
	for i, o := range cfg.Options {
		if o.Name == "" {
			errs = append(errs, field.Required(p.Child("options").Index(i), "must not be empty"))
		}
	}
	return errs
}

// validateHostNetworkPorts: under host networking a host port, when set,
// must be the container port.
func validateHostNetworkPorts(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	if !spec.HostNetwork {
		return nil
	}
	var errs field.ErrorList
	check := func(cs []corev1.Container, cp *field.Path) {
		for i, c := range cs {
			for j, port := range c.Ports {
				if port.HostPort != 0 && port.HostPort != port.ContainerPort {
					errs = append(errs, field.Invalid(cp.Index(i).Child("ports").Index(j).Child("hostPort"), port.HostPort, "must match `containerPort` when `hostNetwork` is true"))
				}
			}
		}
	}
	check(spec.Containers, p.Child("containers"))
	check(spec.InitContainers, p.Child("initContainers"))
	return errs
}

func validateImagePullSecrets(refs []corev1.LocalObjectReference, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, r := range refs {
		if r.Name == "" {
			errs = append(errs, field.Required(p.Index(i).Child("name"), ""))
		}
	}
	return errs
}

func validateReadinessGates(gates []corev1.PodReadinessGate, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, g := range gates {
		errs = append(errs, qualifiedName(string(g.ConditionType), p.Index(i).Child("conditionType"))...)
	}
	return errs
}

func validateSchedulingGates(gates []corev1.PodSchedulingGate, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, g := range gates {
		errs = append(errs, qualifiedName(g.Name, p.Index(i).Child("name"))...)
		if seen.Has(g.Name) {
			errs = append(errs, field.Duplicate(p.Index(i), g.Name))
		}
		seen.Insert(g.Name)
	}
	return errs
}

func validateHostAliases(aliases []corev1.HostAlias, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, a := range aliases {
		errs = append(errs, validation.IsValidIPForLegacyField(p.Index(i).Child("ip"), a.IP, false, nil)...)
		for j, h := range a.Hostnames {
			errs = append(errs, dns1123Subdomain(h, p.Index(i).Child("hostnames").Index(j))...)
		}
	}
	return errs
}
