package registry

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The Pod and PodTemplate strategies, and the pod template checks every
// workload shares.

func (podStrategy) Default(obj runtime.Object) { defaultPod(obj.(*corev1.Pod)) }

// PrepareForCreate starts the pod Pending with its QoS class, and marks a
// pod with scheduling gates as not schedulable yet.
func (podStrategy) PrepareForCreate(obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: podQOS(pod)}
	if len(pod.Spec.SchedulingGates) > 0 {
		pod.Status.Conditions = []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: corev1.PodReasonSchedulingGated, Message: "Scheduling is blocked due to non-empty scheduling gates",
		}}
	}
}

func (podStrategy) Validate(obj runtime.Object) field.ErrorList {
	pod := obj.(*corev1.Pod)
	errs := validatePodSpec(&pod.Spec, field.NewPath("spec"))
	if len(pod.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "ephemeralContainers"), "cannot be set on create"))
	}
	return errs
}

func (s podStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	pod, oldPod := obj.(*corev1.Pod), withDefaults(s, old).(*corev1.Pod)
	errs := validatePodSpec(&pod.Spec, field.NewPath("spec"))
	return append(errs, validatePodUpdate(pod, oldPod)...)
}

func (podStrategy) Fields(obj runtime.Object) fields.Set {
	pod := obj.(*corev1.Pod)
	ip := pod.Status.PodIP
	if len(pod.Status.PodIPs) > 0 {
		ip = pod.Status.PodIPs[0].IP
	}
	return fields.Set{
		"spec.nodeName":            pod.Spec.NodeName,
		"spec.restartPolicy":       string(pod.Spec.RestartPolicy),
		"spec.schedulerName":       pod.Spec.SchedulerName,
		"spec.serviceAccountName":  pod.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(pod.Spec.HostNetwork),
		"status.phase":             string(pod.Status.Phase),
		"status.podIP":             ip,
		"status.nominatedNodeName": pod.Status.NominatedNodeName,
	}
}

func (podTemplateStrategy) Default(obj runtime.Object) {
	defaultPodSpec(&obj.(*corev1.PodTemplate).Template.Spec)
}

func (podTemplateStrategy) PrepareForCreate(obj runtime.Object) { setGeneration(obj, 1) }

func (podTemplateStrategy) PrepareForUpdate(obj, old runtime.Object) {
	t, o := obj.(*corev1.PodTemplate), old.(*corev1.PodTemplate)
	bumpGenerationIf(obj, old, !equality.Semantic.DeepEqual(t.Template, o.Template))
}

func (podTemplateStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validatePodTemplateSpec(&obj.(*corev1.PodTemplate).Template, field.NewPath("template"))
}

func (s podTemplateStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

// validatePodTemplateSpec checks an embedded pod template.
func validatePodTemplateSpec(t *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
	errs := validateTemplateMeta(&t.ObjectMeta, p)
	errs = append(errs, validatePodSpec(&t.Spec, p.Child("spec"))...)
	if len(t.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(p.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return errs
}

// validateTemplateMeta checks the labels and annotations of embedded
// metadata; upstream reports them right under the template's path.
func validateTemplateMeta(m *metav1.ObjectMeta, p *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabels(m.Labels, p.Child("labels"))
	return append(errs, metavalidation.ValidateAnnotations(m.Annotations, p.Child("annotations"))...)
}

// withDefaults is a defaulted copy of a stored object: upstream defaults
// objects as it reads them, so a comparison with an object stored before
// a default existed must not see that default as a change.
func withDefaults(s Strategy, obj runtime.Object) runtime.Object {
	out := obj.DeepCopyObject()
	s.Default(out)
	return out
}

// setGeneration sets metadata.generation of a resource without a status
// subresource (the generic code only tracks it for those with one).
func setGeneration(obj runtime.Object, gen int64) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetGeneration(gen)
	}
}

// bumpGenerationIf moves metadata.generation past old's when changed.
func bumpGenerationIf(obj, old runtime.Object, changed bool) {
	om, err := meta.Accessor(old)
	if changed && err == nil {
		setGeneration(obj, om.GetGeneration()+1)
	}
}
