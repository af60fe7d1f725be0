package registry

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of a Job's podFailurePolicy, as upstream's.

const (
	maxPodFailurePolicyRules = 20
	maxExitCodeValues        = 255
)

// validatePodFailurePolicy checks spec (at path sp) and its policy.
func validatePodFailurePolicy(spec *batchv1.JobSpec, sp *field.Path) field.ErrorList {
	fp := spec.PodFailurePolicy
	if fp == nil {
		return nil
	}
	var errs field.ErrorList
	if rp := spec.Template.Spec.RestartPolicy; rp == corev1.RestartPolicyOnFailure {
		errs = append(errs, field.Invalid(sp.Child("template", "spec", "restartPolicy"), rp,
			`only "Never" is supported when podFailurePolicy is specified`))
	}
	rulesPath := sp.Child("podFailurePolicy", "rules")
	if len(fp.Rules) > maxPodFailurePolicyRules {
		return append(errs, field.TooMany(rulesPath, len(fp.Rules), maxPodFailurePolicyRules))
	}
	containers := map[string]bool{}
	for _, c := range spec.Template.Spec.InitContainers {
		containers[c.Name] = true
	}
	for _, c := range spec.Template.Spec.Containers {
		containers[c.Name] = true
	}
	for i, rule := range fp.Rules {
		errs = append(errs, validatePodFailurePolicyRule(rule, containers, rulesPath.Index(i))...)
	}
	return errs
}

func validatePodFailurePolicyRule(rule batchv1.PodFailurePolicyRule, containers map[string]bool, p *field.Path) field.ErrorList {
	errs := validateOneOf(p.Child("action"), rule.Action, batchv1.PodFailurePolicyActionFailJob,
		batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyActionIgnore, batchv1.PodFailurePolicyActionCount)
	switch {
	case rule.OnExitCodes != nil && len(rule.OnPodConditions) > 0:
		return append(errs, field.Invalid(p, field.OmitValueType{}, "specifying both OnExitCodes and OnPodConditions is not supported"))
	case rule.OnExitCodes != nil:
		return append(errs, validateOnExitCodes(rule.OnExitCodes, containers, p.Child("onExitCodes"))...)
	case len(rule.OnPodConditions) > 0:
		for i, c := range rule.OnPodConditions {
			cp := p.Child("onPodConditions").Index(i)
			errs = append(errs, validateOneOf(cp.Child("status"), c.Status, corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown)...)
			errs = append(errs, qualifiedName(string(c.Type), cp.Child("type"))...)
		}
		return errs
	}
	return append(errs, field.Invalid(p, field.OmitValueType{}, "specifying one of OnExitCodes and OnPodConditions is required"))
}

func validateOnExitCodes(req *batchv1.PodFailurePolicyOnExitCodesRequirement, containers map[string]bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if cn := req.ContainerName; cn != nil && !containers[*cn] {
		errs = append(errs, field.Invalid(p.Child("containerName"), *cn, "must be one of the container or initContainer names in the pod template"))
	}
	errs = append(errs, validateOneOf(p.Child("operator"), req.Operator,
		batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn)...)
	vp := p.Child("values")
	switch {
	case len(req.Values) == 0:
		return append(errs, field.Invalid(vp, req.Values, "at least one value is required"))
	case len(req.Values) > maxExitCodeValues:
		return append(errs, field.TooMany(vp, len(req.Values), maxExitCodeValues))
	}
	seen := map[int32]bool{}
	for i, v := range req.Values {
		switch {
		case req.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && v == 0:
			errs = append(errs, field.Invalid(vp.Index(i), v, "must not be 0 for the In operator"))
		case seen[v]:
			errs = append(errs, field.Duplicate(vp.Index(i), v))
		case i > 0 && req.Values[i-1] > v:
			errs = append(errs, field.Invalid(vp.Index(i), v, "must be ordered"))
		}
		seen[v] = true
	}
	return errs
}
