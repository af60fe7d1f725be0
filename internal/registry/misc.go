package registry

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategies of the remaining groups: HorizontalPodAutoscaler (hpa.go),
// StorageClass, PriorityClass and PodDisruptionBudget.

type hpaStrategy struct{ Base }
type storageClassStrategy struct{ Base }
type priorityClassStrategy struct{ Base }
type pdbStrategy struct{ Base }

func (storageClassStrategy) Default(obj runtime.Object) {
	sc := obj.(*storagev1.StorageClass)
	setIfNil(&sc.ReclaimPolicy, corev1.PersistentVolumeReclaimDelete)
	setIfNil(&sc.VolumeBindingMode, storagev1.VolumeBindingImmediate)
}

const (
	maxProvisionerParams     = 512
	maxProvisionerParamsSize = 256 * (1 << 10)
)

func (storageClassStrategy) Validate(obj runtime.Object) field.ErrorList {
	sc := obj.(*storagev1.StorageClass)
	var errs field.ErrorList
	if sc.Provisioner == "" {
		errs = append(errs, field.Required(field.NewPath("provisioner"), ""))
	} else {
		errs = append(errs, qualifiedName(strings.ToLower(sc.Provisioner), field.NewPath("provisioner"))...)
	}
	errs = append(errs, validateProvisionerParams(sc.Parameters, field.NewPath("parameters"))...)
	if sc.ReclaimPolicy != nil && *sc.ReclaimPolicy != "" {
		errs = append(errs, validateOneOf(field.NewPath("reclaimPolicy"), *sc.ReclaimPolicy,
			corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRetain)...)
	}
	if sc.VolumeBindingMode == nil {
		errs = append(errs, field.Required(field.NewPath("volumeBindingMode"), ""))
	} else {
		errs = append(errs, validateOneOf(field.NewPath("volumeBindingMode"), *sc.VolumeBindingMode,
			storagev1.VolumeBindingImmediate, storagev1.VolumeBindingWaitForFirstConsumer)...)
	}
	return errs
}

func validateProvisionerParams(params map[string]string, p *field.Path) field.ErrorList {
	if len(params) > maxProvisionerParams {
		return field.ErrorList{field.TooLong(p, "Provisioner Parameters exceeded max allowed", maxProvisionerParams)}
	}
	var errs field.ErrorList
	size := 0
	for _, k := range sortedKeys(params) {
		if k == "" {
			errs = append(errs, field.Invalid(p, k, "field can not be empty."))
		}
		size += len(k) + len(params[k])
	}
	if size > maxProvisionerParamsSize {
		errs = append(errs, field.TooLong(p, "", maxProvisionerParamsSize))
	}
	return errs
}

// ValidateUpdate: a class's provisioner, parameters, reclaim policy and
// binding mode are fixed.
func (s storageClassStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	sc, o := obj.(*storagev1.StorageClass), old.(*storagev1.StorageClass)
	var errs field.ErrorList
	if !mapsEqual(sc.Parameters, o.Parameters) {
		errs = append(errs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	if sc.Provisioner != o.Provisioner {
		errs = append(errs, field.Forbidden(field.NewPath("provisioner"), "updates to provisioner are forbidden."))
	}
	if !ptrEqual(sc.ReclaimPolicy, o.ReclaimPolicy) {
		errs = append(errs, field.Forbidden(field.NewPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
	}
	errs = append(errs, immutable(sc.VolumeBindingMode, o.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
	return append(errs, s.Validate(obj)...)
}

func (priorityClassStrategy) Default(obj runtime.Object) {
	setIfNil(&obj.(*schedulingv1.PriorityClass).PreemptionPolicy, corev1.PreemptLowerPriority)
}

// Priorities above this are for the system classes only.
const highestUserPriority = 1000000000

// The classes whose names may start with "system-", and their values.
var systemPriorityClasses = map[string]int32{"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}

func (priorityClassStrategy) Validate(obj runtime.Object) field.ErrorList {
	pc := obj.(*schedulingv1.PriorityClass)
	var errs field.ErrorList
	if strings.HasPrefix(pc.Name, "system-") {
		if err := knownSystemClass(pc); err != "" {
			errs = append(errs, field.Forbidden(field.NewPath("metadata", "name"),
				"priority class names with 'system-' prefix are reserved for system use only. error: "+err))
		}
	} else if pc.Value > highestUserPriority {
		errs = append(errs, field.Forbidden(field.NewPath("value"), fmt.Sprintf("maximum allowed value of a user defined priority is %v", highestUserPriority)))
	}
	if pc.PreemptionPolicy != nil {
		errs = append(errs, validatePreemptionPolicy(pc.PreemptionPolicy, field.NewPath("preemptionPolicy"))...)
	}
	return errs
}

func knownSystemClass(pc *schedulingv1.PriorityClass) string {
	v, ok := systemPriorityClasses[pc.Name]
	switch {
	case !ok:
		return fmt.Sprintf("%v is not a known system priority class", pc.Name)
	case v != pc.Value:
		return fmt.Sprintf("value of %v PriorityClass must be %v", pc.Name, v)
	case pc.GlobalDefault:
		return fmt.Sprintf("globalDefault of %v PriorityClass must be false", pc.Name)
	}
	return ""
}

// ValidateUpdate: value and preemption policy are fixed.
func (priorityClassStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	pc, o := obj.(*schedulingv1.PriorityClass), old.(*schedulingv1.PriorityClass)
	var errs field.ErrorList
	if pc.Value != o.Value {
		errs = append(errs, field.Forbidden(field.NewPath("value"), "may not be changed in an update."))
	}
	return append(errs, immutable(pc.PreemptionPolicy, o.PreemptionPolicy, field.NewPath("preemptionPolicy"))...)
}

func (pdbStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*policyv1.PodDisruptionBudget).Spec
	p := field.NewPath("spec")
	var errs field.ErrorList
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(p, spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	errs = append(errs, validatePositiveIntOrPercent(spec.MinAvailable, p.Child("minAvailable"))...)
	errs = append(errs, notOver100Percent(spec.MinAvailable, p.Child("minAvailable"))...)
	errs = append(errs, validatePositiveIntOrPercent(spec.MaxUnavailable, p.Child("maxUnavailable"))...)
	errs = append(errs, notOver100Percent(spec.MaxUnavailable, p.Child("maxUnavailable"))...)
	errs = append(errs, labelSelector(spec.Selector, p.Child("selector"))...)
	if pol := spec.UnhealthyPodEvictionPolicy; pol != nil {
		errs = append(errs, validateOneOf(p.Child("unhealthyPodEvictionPolicy"), *pol, policyv1.AlwaysAllow, policyv1.IfHealthyBudget)...)
	}
	return errs
}

func (s pdbStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList { return s.Validate(obj) }
