package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The DaemonSet strategy.

func (daemonSetStrategy) Default(obj runtime.Object) {
	ds := obj.(*appsv1.DaemonSet)
	us := &ds.Spec.UpdateStrategy
	setIfEmpty(&us.Type, appsv1.RollingUpdateDaemonSetStrategyType)
	if us.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		setIfNil(&us.RollingUpdate, appsv1.RollingUpdateDaemonSet{})
		setIfNil(&us.RollingUpdate.MaxUnavailable, intstr.FromInt32(1))
		setIfNil(&us.RollingUpdate.MaxSurge, intstr.FromInt32(0))
	}
	setIfNil(&ds.Spec.RevisionHistoryLimit, 10)
	defaultPodSpec(&ds.Spec.Template.Spec)
}

func (daemonSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*appsv1.DaemonSet).Spec
	p := field.NewPath("spec")
	errs := requiredSelector(spec.Selector, "daemonset", p.Child("selector"))
	errs = append(errs, selectorMatchesTemplate(spec.Selector, spec.Template.Labels, p.Child("template", "metadata", "labels"))...)
	errs = append(errs, validatePodTemplateSpec(&spec.Template, p.Child("template"))...)
	tp := p.Child("template", "spec")
	if rp := spec.Template.Spec.RestartPolicy; rp != "Always" {
		errs = append(errs, field.NotSupported(tp.Child("restartPolicy"), rp, []string{"Always"}))
	}
	if ad := spec.Template.Spec.ActiveDeadlineSeconds; ad != nil {
		errs = append(errs, field.Invalid(tp.Child("activeDeadlineSeconds"), *ad, "activeDeadlineSeconds must be nil for daemonset"))
	}
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	errs = append(errs, validateDaemonSetStrategy(&spec.UpdateStrategy, p.Child("updateStrategy"))...)
	return append(errs, nonNegativePtr(spec.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
}

func validateDaemonSetStrategy(us *appsv1.DaemonSetUpdateStrategy, p *field.Path) field.ErrorList {
	switch us.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if us.RollingUpdate == nil {
			return field.ErrorList{field.Required(p.Child("rollingUpdate"), "")}
		}
		return validateRollingUpdateDaemonSet(us.RollingUpdate, p.Child("rollingUpdate"))
	}
	return field.ErrorList{field.NotSupported(p.Child("type"), us.Type,
		[]appsv1.DaemonSetUpdateStrategyType{appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType})}
}

// validateRollingUpdateDaemonSet: exactly one of maxUnavailable and
// maxSurge is non-zero.
func validateRollingUpdateDaemonSet(ru *appsv1.RollingUpdateDaemonSet, p *field.Path) field.ErrorList {
	up, sp := p.Child("maxUnavailable"), p.Child("maxSurge")
	errs := validatePositiveIntOrPercent(ru.MaxUnavailable, up)
	errs = append(errs, validatePositiveIntOrPercent(ru.MaxSurge, sp)...)
	errs = append(errs, notOver100Percent(ru.MaxUnavailable, up)...)
	errs = append(errs, notOver100Percent(ru.MaxSurge, sp)...)
	unavailable, surge := intOrPercentValue(ru.MaxUnavailable) != 0, intOrPercentValue(ru.MaxSurge) != 0
	switch {
	case unavailable && surge:
		errs = append(errs, field.Invalid(sp, ru.MaxSurge, "may not be set when maxUnavailable is non-zero"))
	case !unavailable && !surge:
		errs = append(errs, field.Required(up, "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

func (s daemonSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	errs := s.Validate(obj)
	ds, o := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	return append(errs, immutable(ds.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
}
