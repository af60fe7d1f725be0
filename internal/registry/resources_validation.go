package registry

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of compute resource requirements and resource names, as
// upstream's ValidateContainerResourceRequirements and its helpers.

func isHugePages(name corev1.ResourceName) bool {
	return strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

// isNativeResource: unprefixed names and the kubernetes.io domain.
func isNativeResource(name corev1.ResourceName) bool {
	return !strings.Contains(string(name), "/") || strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

// isExtendedResource: a domain-prefixed name outside kubernetes.io.
func isExtendedResource(name corev1.ResourceName) bool {
	if isNativeResource(name) || strings.HasPrefix(string(name), corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+string(name))) == 0
}

// overcommitAllowed: requests may differ from limits (not so for huge
// pages and extended resources).
func overcommitAllowed(name corev1.ResourceName) bool {
	return isNativeResource(name) && !isHugePages(name)
}

func isStandardContainerResource(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		return true
	}
	return isHugePages(name)
}

func validateContainerResourceName(name corev1.ResourceName, p *field.Path) field.ErrorList {
	errs := qualifiedName(string(name), p)
	if !strings.Contains(string(name), "/") {
		if !isStandardContainerResource(name) {
			errs = append(errs, field.Invalid(p, name, "must be a standard resource for containers"))
		}
	} else if !isNativeResource(name) && !isExtendedResource(name) {
		errs = append(errs, field.Invalid(p, name, "doesn't follow extended resource name standard"))
	}
	return errs
}

// validateQuantity: never negative; whole numbers for extended resources.
func validateQuantity(name corev1.ResourceName, q resource.Quantity, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if q.Sign() < 0 {
		errs = append(errs, field.Invalid(p, q.String(), msgNegative))
	}
	if isExtendedResource(name) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(p, q.String(), "must be an integer"))
	}
	return errs
}

func validateResourceList(rl corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, name := range sortedKeys(rl) {
		np := p.Key(string(name))
		errs = append(errs, validateContainerResourceName(name, np)...)
		errs = append(errs, validateQuantity(name, rl[name], np)...)
	}
	return errs
}

func validateResources(r *corev1.ResourceRequirements, p *field.Path) field.ErrorList {
	limPath, reqPath := p.Child("limits"), p.Child("requests")
	errs := validateResourceList(r.Limits, limPath)
	errs = append(errs, validateResourceList(r.Requests, reqPath)...)
	for _, name := range sortedKeys(r.Requests) {
		errs = append(errs, requestWithinLimit(name, r, limPath, reqPath)...)
	}
	if needsCPUOrMemory(r) {
		errs = append(errs, field.Forbidden(p, "HugePages require cpu or memory"))
	}
	return errs
}

// requestWithinLimit: a request may not exceed its limit, and must equal it
// where overcommit is not allowed.
func requestWithinLimit(name corev1.ResourceName, r *corev1.ResourceRequirements, limPath, reqPath *field.Path) field.ErrorList {
	req := r.Requests[name]
	lim, ok := r.Limits[name]
	switch {
	case !ok && !overcommitAllowed(name):
		return field.ErrorList{field.Required(limPath, "Limit must be set for non overcommitable resources")}
	case !ok:
		return nil
	case req.Cmp(lim) != 0 && !overcommitAllowed(name):
		return field.ErrorList{field.Invalid(reqPath, req.String(), fmt.Sprintf("must be equal to %s limit of %s", name, lim.String()))}
	case req.Cmp(lim) > 0:
		return field.ErrorList{field.Invalid(reqPath, req.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, lim.String()))}
	}
	return nil
}

// needsCPUOrMemory: huge pages are asked for without cpu or memory.
func needsCPUOrMemory(r *corev1.ResourceRequirements) bool {
	huge, cpuMem := false, false
	for _, rl := range []corev1.ResourceList{r.Limits, r.Requests} {
		for name := range rl {
			huge = huge || isHugePages(name)
			cpuMem = cpuMem || name == corev1.ResourceCPU || name == corev1.ResourceMemory
		}
	}
	return huge && !cpuMem
}
