package registry

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategies of the apps/v1 resources: Deployment and ReplicaSet here,
// DaemonSet, StatefulSet and ControllerRevision in files of their own.
// In apps/v1 a workload's selector is immutable.

type deploymentStrategy struct{ Base }

// StatusWritesAnnotations: as upstream, deployments/status may change
// annotations (the controller's revision annotation).
func (deploymentStrategy) StatusWritesAnnotations() {}

type replicaSetStrategy struct{ Base }
type daemonSetStrategy struct{ Base }
type statefulSetStrategy struct{ Base }

func (deploymentStrategy) Default(obj runtime.Object) {
	d := obj.(*appsv1.Deployment)
	setIfNil(&d.Spec.Replicas, 1)
	st := &d.Spec.Strategy
	setIfEmpty(&st.Type, appsv1.RollingUpdateDeploymentStrategyType)
	if st.Type == appsv1.RollingUpdateDeploymentStrategyType {
		setIfNil(&st.RollingUpdate, appsv1.RollingUpdateDeployment{})
		setIfNil(&st.RollingUpdate.MaxUnavailable, intstr.FromString("25%"))
		setIfNil(&st.RollingUpdate.MaxSurge, intstr.FromString("25%"))
	}
	setIfNil(&d.Spec.RevisionHistoryLimit, 10)
	setIfNil(&d.Spec.ProgressDeadlineSeconds, 600)
	defaultPodSpec(&d.Spec.Template.Spec)
}

// PrepareForUpdate: annotation changes move the generation too, since the
// controller copies them to the ReplicaSets.
func (deploymentStrategy) PrepareForUpdate(obj, old runtime.Object) {
	d, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	bumpGenerationIf(obj, old, !mapsEqual(d.Annotations, o.Annotations))
}

func (deploymentStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*appsv1.Deployment).Spec
	p := field.NewPath("spec")
	errs := nonNegativePtr(spec.Replicas, p.Child("replicas"))
	errs = append(errs, requiredSelector(spec.Selector, "deployment", p.Child("selector"))...)
	errs = append(errs, validateSelectedTemplate(spec.Selector, &spec.Template, "Deployment", p)...)
	errs = append(errs, validateDeploymentStrategy(&spec.Strategy, p.Child("strategy"))...)
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	errs = append(errs, nonNegativePtr(spec.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
	if pd := spec.ProgressDeadlineSeconds; pd != nil {
		if *pd <= 0 {
			errs = append(errs, field.Invalid(p.Child("progressDeadlineSeconds"), *pd, "must be greater than 0"))
		} else if *pd <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(p.Child("progressDeadlineSeconds"), *pd, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

// validateSelectedTemplate checks a template against a LabelSelector.
func validateSelectedTemplate(sel *metav1.LabelSelector, t *corev1.PodTemplateSpec, kind string, p *field.Path) field.ErrorList {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return field.ErrorList{field.Invalid(p.Child("selector"), sel, "invalid label selector")}
	}
	return validateRunningTemplate(t, s, kind, p.Child("template"))
}

func validateDeploymentStrategy(st *appsv1.DeploymentStrategy, p *field.Path) field.ErrorList {
	switch st.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(p.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		if st.RollingUpdate == nil {
			return field.ErrorList{field.Required(p.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		return validateRollingUpdateDeployment(st.RollingUpdate, p.Child("rollingUpdate"))
	default:
		return field.ErrorList{field.NotSupported(p.Child("type"), st.Type,
			[]appsv1.DeploymentStrategyType{appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType})}
	}
	return nil
}

func validateRollingUpdateDeployment(ru *appsv1.RollingUpdateDeployment, p *field.Path) field.ErrorList {
	errs := validatePositiveIntOrPercent(ru.MaxUnavailable, p.Child("maxUnavailable"))
	errs = append(errs, validatePositiveIntOrPercent(ru.MaxSurge, p.Child("maxSurge"))...)
	if intOrPercentValue(ru.MaxUnavailable) == 0 && intOrPercentValue(ru.MaxSurge) == 0 {
		errs = append(errs, field.Invalid(p.Child("maxUnavailable"), ru.MaxUnavailable, "may not be 0 when `maxSurge` is 0"))
	}
	return append(errs, notOver100Percent(ru.MaxUnavailable, p.Child("maxUnavailable"))...)
}

func (s deploymentStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	errs := s.Validate(obj)
	d, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	return append(errs, immutable(d.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func (replicaSetStrategy) Default(obj runtime.Object) {
	rs := obj.(*appsv1.ReplicaSet)
	setIfNil(&rs.Spec.Replicas, 1)
	defaultPodSpec(&rs.Spec.Template.Spec)
}

func (replicaSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*appsv1.ReplicaSet).Spec
	p := field.NewPath("spec")
	errs := nonNegativePtr(spec.Replicas, p.Child("replicas"))
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	errs = append(errs, requiredSelector(spec.Selector, "deployment", p.Child("selector"))...)
	return append(errs, validateSelectedTemplate(spec.Selector, &spec.Template, "ReplicaSet", p)...)
}

func (s replicaSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	errs := s.Validate(obj)
	rs, o := obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet)
	return append(errs, immutable(rs.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func (replicaSetStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"status.replicas": strconv.Itoa(int(obj.(*appsv1.ReplicaSet).Status.Replicas))}
}
