package registry

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of pod and container security contexts: ids in range, known
// enumerations, and the privileged/no-escalation contradiction.

func validateID(id *int64, isGroup bool, p *field.Path) field.ErrorList {
	if id == nil {
		return nil
	}
	if isGroup {
		return msgsInvalid(p, *id, validation.IsValidGroupID(*id))
	}
	return msgsInvalid(p, *id, validation.IsValidUserID(*id))
}

func validatePodSecurityContext(sc *corev1.PodSecurityContext, p *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	errs := validateID(sc.RunAsUser, false, p.Child("runAsUser"))
	errs = append(errs, validateID(sc.RunAsGroup, true, p.Child("runAsGroup"))...)
	errs = append(errs, validateID(sc.FSGroup, true, p.Child("fsGroup"))...)
	for i := range sc.SupplementalGroups {
		errs = append(errs, validateID(&sc.SupplementalGroups[i], true, p.Child("supplementalGroups").Index(i))...)
	}
	if sc.FSGroupChangePolicy != nil {
		errs = append(errs, validateOneOf(p.Child("fsGroupChangePolicy"), *sc.FSGroupChangePolicy, corev1.FSGroupChangeOnRootMismatch, corev1.FSGroupChangeAlways)...)
	}
	if sc.SupplementalGroupsPolicy != nil {
		errs = append(errs, validateOneOf(p.Child("supplementalGroupsPolicy"), *sc.SupplementalGroupsPolicy, corev1.SupplementalGroupsPolicyMerge, corev1.SupplementalGroupsPolicyStrict)...)
	}
	for i, s := range sc.Sysctls {
		if s.Name == "" {
			errs = append(errs, field.Required(p.Child("sysctls").Index(i).Child("name"), ""))
		}
	}
	return append(errs, validateSeccomp(sc.SeccompProfile, p.Child("seccompProfile"))...)
}

func validateSecurityContext(sc *corev1.SecurityContext, p *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	errs := validateID(sc.RunAsUser, false, p.Child("runAsUser"))
	errs = append(errs, validateID(sc.RunAsGroup, true, p.Child("runAsGroup"))...)
	if sc.ProcMount != nil {
		errs = append(errs, validateOneOf(p.Child("procMount"), *sc.ProcMount, corev1.DefaultProcMount, corev1.UnmaskedProcMount)...)
	}
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		if sc.Privileged != nil && *sc.Privileged {
			errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
		}
		if sc.Capabilities != nil && hasCapability(sc.Capabilities.Add, "CAP_SYS_ADMIN", "SYS_ADMIN") {
			errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
		}
	}
	return append(errs, validateSeccomp(sc.SeccompProfile, p.Child("seccompProfile"))...)
}

func hasCapability(caps []corev1.Capability, names ...corev1.Capability) bool {
	for _, c := range caps {
		for _, n := range names {
			if c == n {
				return true
			}
		}
	}
	return false
}

func validateSeccomp(sp *corev1.SeccompProfile, p *field.Path) field.ErrorList {
	if sp == nil {
		return nil
	}
	errs := validateOneOf(p.Child("type"), sp.Type, corev1.SeccompProfileTypeLocalhost, corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined)
	switch {
	case sp.Type == corev1.SeccompProfileTypeLocalhost && (sp.LocalhostProfile == nil || *sp.LocalhostProfile == ""):
		errs = append(errs, field.Required(p.Child("localhostProfile"), "must be set when seccomp type is Localhost"))
	case sp.Type != corev1.SeccompProfileTypeLocalhost && sp.LocalhostProfile != nil:
		errs = append(errs, field.Invalid(p.Child("localhostProfile"), sp.LocalhostProfile, "can only be set when seccomp type is Localhost"))
	}
	return errs
}
