package registry

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The StatefulSet strategy. Upstream lets an update touch only replicas,
// ordinals, template, updateStrategy, revisionHistoryLimit,
// persistentVolumeClaimRetentionPolicy and minReadySeconds.

func (statefulSetStrategy) Default(obj runtime.Object) {
	ss := obj.(*appsv1.StatefulSet)
	spec := &ss.Spec
	setIfEmpty(&spec.PodManagementPolicy, appsv1.OrderedReadyPodManagement)
	if spec.UpdateStrategy.Type == "" {
		spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		setIfNil(&spec.UpdateStrategy.RollingUpdate, appsv1.RollingUpdateStatefulSetStrategy{})
	}
	if ru := spec.UpdateStrategy.RollingUpdate; spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && ru != nil {
		setIfNil(&ru.Partition, 0)
	}
	setIfNil(&spec.PersistentVolumeClaimRetentionPolicy, appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{})
	rp := spec.PersistentVolumeClaimRetentionPolicy
	setIfEmpty(&rp.WhenDeleted, appsv1.RetainPersistentVolumeClaimRetentionPolicyType)
	setIfEmpty(&rp.WhenScaled, appsv1.RetainPersistentVolumeClaimRetentionPolicyType)
	setIfNil(&spec.Replicas, 1)
	setIfNil(&spec.RevisionHistoryLimit, 10)
	defaultPodSpec(&spec.Template.Spec)
	for i := range spec.VolumeClaimTemplates {
		pvc := &spec.VolumeClaimTemplates[i]
		defaultPVCSpec(&pvc.Spec)
		setIfEmpty(&pvc.Status.Phase, corev1.ClaimPending)
	}
}

func (statefulSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateStatefulSetSpec(&obj.(*appsv1.StatefulSet).Spec, field.NewPath("spec"))
}

func validateStatefulSetSpec(spec *appsv1.StatefulSetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(p.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(p.Child("podManagementPolicy"), spec.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	errs = append(errs, validateStatefulSetStrategy(&spec.UpdateStrategy, p.Child("updateStrategy"))...)
	errs = append(errs, validateRetentionPolicy(spec.PersistentVolumeClaimRetentionPolicy, p.Child("persistentVolumeClaimRetentionPolicy"))...)
	errs = append(errs, nonNegativePtr(spec.Replicas, p.Child("replicas"))...)
	if spec.Ordinals != nil {
		errs = append(errs, nonNegative(int64(spec.Ordinals.Start), p.Child("ordinals.start"))...)
	}
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	errs = append(errs, requiredSelector(spec.Selector, "statefulset", p.Child("selector"))...)
	errs = append(errs, validateSelectedTemplate(spec.Selector, &spec.Template, "StatefulSet", p)...)
	for i := range spec.VolumeClaimTemplates {
		vp := p.Child("volumeClaimTemplates").Index(i)
		errs = append(errs, validateTemplateMeta(&spec.VolumeClaimTemplates[i].ObjectMeta, vp.Child("metadata"))...)
		errs = append(errs, validatePVCSpec(&spec.VolumeClaimTemplates[i].Spec, vp.Child("spec"))...)
	}
	return errs
}

func validateStatefulSetStrategy(us *appsv1.StatefulSetUpdateStrategy, p *field.Path) field.ErrorList {
	switch us.Type {
	case "":
		return field.ErrorList{field.Required(p, "")}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if us.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(p.Child("rollingUpdate"), us.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType))}
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := us.RollingUpdate; ru != nil {
			return validateRollingUpdateStatefulSet(ru, p.Child("rollingUpdate"))
		}
	default:
		return field.ErrorList{field.Invalid(p, us, fmt.Sprintf("must be '%s' or '%s'",
			appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType))}
	}
	return nil
}

func validateRollingUpdateStatefulSet(ru *appsv1.RollingUpdateStatefulSetStrategy, p *field.Path) field.ErrorList {
	errs := nonNegativePtr(ru.Partition, p.Child("partition"))
	if mu := ru.MaxUnavailable; mu != nil {
		mp := p.Child("maxUnavailable")
		errs = append(errs, validatePositiveIntOrPercent(mu, mp)...)
		if intOrPercentValue(mu) == 0 {
			errs = append(errs, field.Invalid(mp, *mu, "cannot be 0"))
		}
		errs = append(errs, notOver100Percent(mu, mp)...)
	}
	return errs
}

func validateRetentionPolicy(rp *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy, p *field.Path) field.ErrorList {
	if rp == nil {
		return nil
	}
	types := []appsv1.PersistentVolumeClaimRetentionPolicyType{appsv1.DeletePersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType}
	var errs field.ErrorList
	for _, f := range []struct {
		name string
		v    appsv1.PersistentVolumeClaimRetentionPolicyType
	}{{"whenDeleted", rp.WhenDeleted}, {"whenScaled", rp.WhenScaled}} {
		if f.v != types[0] && f.v != types[1] {
			errs = append(errs, field.NotSupported(p.Child(f.name), f.v, types))
		}
	}
	return errs
}

const statefulSetUpdateForbidden = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', " +
	"'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

func (s statefulSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	ss, o := obj.(*appsv1.StatefulSet), withDefaults(s, old).(*appsv1.StatefulSet)
	errs := s.Validate(obj)
	rest := ss.Spec.DeepCopy()
	rest.Replicas = o.Spec.Replicas
	rest.Ordinals = o.Spec.Ordinals
	rest.Template = o.Spec.Template
	rest.UpdateStrategy = o.Spec.UpdateStrategy
	rest.RevisionHistoryLimit = o.Spec.RevisionHistoryLimit
	rest.PersistentVolumeClaimRetentionPolicy = o.Spec.PersistentVolumeClaimRetentionPolicy
	rest.MinReadySeconds = o.Spec.MinReadySeconds
	if !equality.Semantic.DeepEqual(*rest, o.Spec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), statefulSetUpdateForbidden))
	}
	return errs
}
