package registry

import (
	"maps"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The ReplicationController strategy.

// Default takes the selector and the controller's labels from the
// template when they are unset, and one replica.
func (rcStrategy) Default(obj runtime.Object) {
	rc := obj.(*corev1.ReplicationController)
	if t := rc.Spec.Template; t != nil && t.Labels != nil {
		if len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = maps.Clone(t.Labels)
		}
		if len(rc.Labels) == 0 {
			rc.Labels = maps.Clone(t.Labels)
		}
	}
	setIfNil(&rc.Spec.Replicas, 1)
	if rc.Spec.Template != nil {
		defaultPodSpec(&rc.Spec.Template.Spec)
	}
}

func (rcStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*corev1.ReplicationController).Spec
	p := field.NewPath("spec")
	errs := nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))
	sel := labels.Set(spec.Selector).AsSelector()
	if sel.Empty() {
		errs = append(errs, field.Required(p.Child("selector"), ""))
	}
	errs = append(errs, nonNegativePtr(spec.Replicas, p.Child("replicas"))...)
	if spec.Template == nil {
		return append(errs, field.Required(p.Child("template"), ""))
	}
	return append(errs, validateRunningTemplate(spec.Template, sel, "ReplicationController", p.Child("template"))...)
}

func (s rcStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList { return s.Validate(obj) }

func (rcStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"status.replicas": strconv.Itoa(int(obj.(*corev1.ReplicationController).Status.Replicas))}
}
