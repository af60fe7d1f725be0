package registry

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// leaseStrategy checks a lease's durations (resources.go must use it in
// place of Base{}).
type leaseStrategy struct{ Base }

func (leaseStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*coordinationv1.Lease).Spec
	p := field.NewPath("spec")
	var errs field.ErrorList
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(p.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	errs = append(errs, nonNegativePtr(spec.LeaseTransitions, p.Child("leaseTransitions"))...)
	if spec.Strategy != nil {
		errs = append(errs, validateOneOf(p.Child("strategy"), *spec.Strategy, coordinationv1.OldestEmulationVersion)...)
	}
	return errs
}

func (s leaseStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList { return s.Validate(obj) }
