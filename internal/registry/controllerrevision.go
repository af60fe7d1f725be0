package registry

import (
	"bytes"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// controllerRevisionStrategy: a revision must carry data, which never
// changes afterwards. (resources.go must use it in place of Base{}.)
type controllerRevisionStrategy struct{ Base }

func (controllerRevisionStrategy) Validate(obj runtime.Object) field.ErrorList {
	cr := obj.(*appsv1.ControllerRevision)
	var errs field.ErrorList
	if cr.Data.Raw == nil && cr.Data.Object == nil {
		errs = append(errs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	return append(errs, nonNegative(cr.Revision, field.NewPath("revision"))...)
}

func (s controllerRevisionStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	cr, o := obj.(*appsv1.ControllerRevision), old.(*appsv1.ControllerRevision)
	errs := s.Validate(obj)
	if !bytes.Equal(cr.Data.Raw, o.Data.Raw) {
		errs = append(errs, field.Invalid(field.NewPath("data"), string(cr.Data.Raw), msgImmutable))
	}
	return errs
}
