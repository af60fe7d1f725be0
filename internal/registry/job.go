package registry

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of Jobs, as upstream's ValidateJob and ValidateJobUpdate.

const maxParallelismIndexed = 100000

func validateJob(job *batchv1.Job) field.ErrorList {
	errs := validateGeneratedSelector(job)
	p := field.NewPath("spec")
	errs = append(errs, validateJobSpec(&job.Spec, p)...)
	if job.Spec.Selector == nil {
		errs = append(errs, field.Required(p.Child("selector"), ""))
	} else {
		errs = append(errs, labelSelector(job.Spec.Selector, p.Child("selector"))...)
	}
	if sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector); err == nil && !sel.Matches(labels.Set(job.Spec.Template.Labels)) {
		errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), job.Spec.Template.Labels, msgNotMatched))
	}
	return errs
}

// validateGeneratedSelector: unless the selector is manual, the template
// carries the job's uid and name and the selector is the generated one.
func validateGeneratedSelector(job *batchv1.Job) field.ErrorList {
	if job.Spec.ManualSelector != nil && *job.Spec.ManualSelector {
		return nil
	}
	mp := field.NewPath("spec", "template", "metadata")
	var errs field.ErrorList
	if job.Spec.Template.Labels == nil {
		errs = append(errs, field.Required(mp.Child("labels"), "missing labels"))
	}
	if job.Spec.Selector == nil {
		return append(errs, field.Required(field.NewPath("spec", "selector"), ""))
	}
	if job.UID == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	errs = append(errs, hasLabel(job.Spec.Template.Labels, mp, legacyControllerUIDLabel, string(job.UID))...)
	errs = append(errs, hasLabel(job.Spec.Template.Labels, mp, legacyJobNameLabel, job.Name)...)
	errs = append(errs, hasLabel(job.Spec.Template.Labels, mp, controllerUIDLabel, string(job.UID))...)
	errs = append(errs, hasLabel(job.Spec.Template.Labels, mp, jobNameLabel, job.Name)...)
	want := labels.Set{legacyControllerUIDLabel: string(job.UID), controllerUIDLabel: string(job.UID)}
	if sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector); err == nil && !sel.Matches(want) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), job.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

func hasLabel(l map[string]string, p *field.Path, key, want string) field.ErrorList {
	got, ok := l[key]
	if !ok {
		return field.ErrorList{field.Required(p.Child("labels").Key(key), want)}
	}
	if got != want {
		return field.ErrorList{field.Invalid(p.Child("labels").Key(key), l, "must be '"+want+"'")}
	}
	return nil
}

// validateJobSpec checks what a Job and a CronJob's job template share.
func validateJobSpec(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	errs := nonNegativePtr(spec.Parallelism, p.Child("parallelism"))
	errs = append(errs, nonNegativePtr(spec.Completions, p.Child("completions"))...)
	errs = append(errs, nonNegativePtr(spec.ActiveDeadlineSeconds, p.Child("activeDeadlineSeconds"))...)
	errs = append(errs, nonNegativePtr(spec.BackoffLimit, p.Child("backoffLimit"))...)
	errs = append(errs, nonNegativePtr(spec.TTLSecondsAfterFinished, p.Child("ttlSecondsAfterFinished"))...)
	errs = append(errs, validateCompletionMode(spec, p)...)
	errs = append(errs, validateIndexedPolicies(spec, p)...)
	errs = append(errs, validatePodFailurePolicy(spec, p)...)
	if spec.PodReplacementPolicy != nil {
		errs = append(errs, validateOneOf(p.Child("podReplacementPolicy"), *spec.PodReplacementPolicy, batchv1.TerminatingOrFailed, batchv1.Failed)...)
		if spec.PodFailurePolicy != nil && *spec.PodReplacementPolicy != batchv1.Failed {
			errs = append(errs, field.NotSupported(p.Child("podReplacementPolicy"), *spec.PodReplacementPolicy, []batchv1.PodReplacementPolicy{batchv1.Failed}))
		}
	}
	errs = append(errs, validatePodTemplateSpec(&spec.Template, p.Child("template"))...)
	rp := spec.Template.Spec.RestartPolicy
	if rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever {
		errs = append(errs, field.NotSupported(p.Child("template", "spec", "restartPolicy"), rp, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	}
	return errs
}

func validateCompletionMode(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	if spec.CompletionMode == nil {
		return nil
	}
	mode := *spec.CompletionMode
	if mode != batchv1.NonIndexedCompletion && mode != batchv1.IndexedCompletion {
		return field.ErrorList{field.NotSupported(p.Child("completionMode"), mode, []batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion})}
	}
	var errs field.ErrorList
	if mode == batchv1.IndexedCompletion {
		if spec.Completions == nil {
			errs = append(errs, field.Required(p.Child("completions"), "when completion mode is Indexed"))
		}
		if spec.Parallelism != nil && *spec.Parallelism > maxParallelismIndexed {
			errs = append(errs, field.Invalid(p.Child("parallelism"), *spec.Parallelism,
				fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxParallelismIndexed)))
		}
	} else if spec.BackoffLimitPerIndex != nil {
		errs = append(errs, field.Required(p.Child("completionMode"), "when backoffLimitPerIndex is specified, completionMode must be Indexed"))
	}
	return errs
}

// validateJobUpdate: most of a job is fixed once created. A suspended job
// that never started may still change where its pods will run.
func validateJobUpdate(job, old *batchv1.Job) field.ErrorList {
	spec, o := &job.Spec, &old.Spec
	p := field.NewPath("spec")
	var errs field.ErrorList
	if !elasticIndexed(spec, o) {
		errs = append(errs, immutable(spec.Completions, o.Completions, p.Child("completions"))...)
	}
	errs = append(errs, immutable(spec.Selector, o.Selector, p.Child("selector"))...)
	errs = append(errs, validateJobTemplateUpdate(job, old, p.Child("template"))...)
	errs = append(errs, immutable(spec.CompletionMode, o.CompletionMode, p.Child("completionMode"))...)
	errs = append(errs, immutable(spec.PodFailurePolicy, o.PodFailurePolicy, p.Child("podFailurePolicy"))...)
	errs = append(errs, immutable(spec.BackoffLimitPerIndex, o.BackoffLimitPerIndex, p.Child("backoffLimitPerIndex"))...)
	errs = append(errs, immutable(spec.ManagedBy, o.ManagedBy, p.Child("managedBy"))...)
	errs = append(errs, immutable(spec.SuccessPolicy, o.SuccessPolicy, p.Child("successPolicy"))...)
	return append(errs, immutable(spec.PodReplacementPolicy, o.PodReplacementPolicy, p.Child("podReplacementPolicy"))...)
}

// elasticIndexed: an Indexed job may scale completions with parallelism.
func elasticIndexed(spec, old *batchv1.JobSpec) bool {
	indexed := spec.CompletionMode != nil && *spec.CompletionMode == batchv1.IndexedCompletion
	return indexed && spec.Completions != nil && spec.Parallelism != nil && old.Completions != nil &&
		*spec.Completions == *spec.Parallelism
}

func validateJobTemplateUpdate(job, old *batchv1.Job, p *field.Path) field.ErrorList {
	prev := old.Spec.Template.DeepCopy()
	cur := &job.Spec.Template
	if isTrue(old.Spec.Suspend) && old.Status.StartTime == nil {
		prev.Spec.NodeSelector = cur.Spec.NodeSelector
		prev.Spec.Tolerations = cur.Spec.Tolerations
		prev.Spec.SchedulingGates = cur.Spec.SchedulingGates
		prev.Annotations = cur.Annotations
		prev.Labels = cur.Labels
		prev.Spec.Affinity = mutableNodeAffinity(prev.Spec.Affinity, cur.Spec.Affinity)
	}
	return immutable(*cur, *prev, p)
}

// mutableNodeAffinity is old with cur's node affinity, so that only the
// pod (anti-)affinity stays immutable.
func mutableNodeAffinity(old, cur *corev1.Affinity) *corev1.Affinity {
	if cur == nil {
		if old == nil || (old.PodAffinity == nil && old.PodAntiAffinity == nil) {
			return nil
		}
		out := old.DeepCopy()
		out.NodeAffinity = nil
		return out
	}
	out := &corev1.Affinity{}
	if old != nil {
		out = old.DeepCopy()
	}
	out.NodeAffinity = cur.NodeAffinity
	return out
}
