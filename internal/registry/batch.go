package registry

import (
	"maps"
	"math"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategies of the batch/v1 resources. Job validation is in job.go,
// CronJob's in cronjob.go and its schedule parser in cron.go.

type jobStrategy struct{ Base }
type cronJobStrategy struct{ Base }

func (jobStrategy) Default(obj runtime.Object) {
	job := obj.(*batchv1.Job)
	defaultJobSpec(&job.Spec)
	labelsFromTemplate(job)
}

// labelsFromTemplate gives a job without labels its template's labels.
func labelsFromTemplate(job *batchv1.Job) {
	if job.Spec.Template.Labels != nil && len(job.Labels) == 0 {
		job.Labels = maps.Clone(job.Spec.Template.Labels)
	}
}

// defaultJobSpec is upstream's SetDefaults_Job for the spec.
func defaultJobSpec(spec *batchv1.JobSpec) {
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = ptrTo[int32](1)
	}
	setIfNil(&spec.Parallelism, 1)
	if spec.BackoffLimitPerIndex != nil {
		setIfNil(&spec.BackoffLimit, math.MaxInt32)
	}
	setIfNil(&spec.BackoffLimit, 6)
	setIfNil(&spec.CompletionMode, batchv1.NonIndexedCompletion)
	setIfNil(&spec.Suspend, false)
	setIfNil(&spec.ManualSelector, false)
	if fp := spec.PodFailurePolicy; fp != nil {
		for _, rule := range fp.Rules {
			for i := range rule.OnPodConditions {
				setIfEmpty(&rule.OnPodConditions[i].Status, corev1.ConditionTrue)
			}
		}
	}
	if spec.PodFailurePolicy != nil {
		setIfNil(&spec.PodReplacementPolicy, batchv1.Failed)
	}
	setIfNil(&spec.PodReplacementPolicy, batchv1.TerminatingOrFailed)
	defaultPodSpec(&spec.Template.Spec)
}

// PrepareForCreate generates the selector and pod labels that tie the
// job's pods to it, unless the user chose a manual selector. (Upstream's
// defaulting on read then copies them to an unlabelled job; so do we.)
func (jobStrategy) PrepareForCreate(obj runtime.Object) {
	job := obj.(*batchv1.Job)
	if job.Spec.ManualSelector == nil || !*job.Spec.ManualSelector {
		generateJobSelector(job)
	}
	labelsFromTemplate(job)
}

// Labels the job controller puts on a job's pods.
const (
	jobNameLabel             = "batch.kubernetes.io/job-name"
	legacyJobNameLabel       = "job-name"
	controllerUIDLabel       = "batch.kubernetes.io/controller-uid"
	legacyControllerUIDLabel = "controller-uid"
)

func generateJobSelector(job *batchv1.Job) {
	t := &job.Spec.Template
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	for _, k := range []string{legacyJobNameLabel, jobNameLabel} {
		if _, ok := t.Labels[k]; !ok {
			t.Labels[k] = job.Name
		}
	}
	for _, k := range []string{legacyControllerUIDLabel, controllerUIDLabel} {
		if _, ok := t.Labels[k]; !ok {
			t.Labels[k] = string(job.UID)
		}
	}
	setIfNil(&job.Spec.Selector, metav1.LabelSelector{})
	if job.Spec.Selector.MatchLabels == nil {
		job.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := job.Spec.Selector.MatchLabels[controllerUIDLabel]; !ok {
		job.Spec.Selector.MatchLabels[controllerUIDLabel] = string(job.UID)
	}
}

func (jobStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateJob(obj.(*batchv1.Job))
}

func (s jobStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	job, o := obj.(*batchv1.Job), withDefaults(s, old).(*batchv1.Job)
	return append(validateJob(job), validateJobUpdate(job, o)...)
}

func (jobStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"status.successful": strconv.Itoa(int(obj.(*batchv1.Job).Status.Succeeded))}
}

func (cronJobStrategy) Default(obj runtime.Object) {
	spec := &obj.(*batchv1.CronJob).Spec
	setIfEmpty(&spec.ConcurrencyPolicy, batchv1.AllowConcurrent)
	setIfNil(&spec.Suspend, false)
	setIfNil(&spec.SuccessfulJobsHistoryLimit, 3)
	setIfNil(&spec.FailedJobsHistoryLimit, 1)
	defaultPodSpec(&spec.JobTemplate.Spec.Template.Spec)
}

func (cronJobStrategy) Validate(obj runtime.Object) field.ErrorList {
	cj := obj.(*batchv1.CronJob)
	errs := validateCronJobSpec(&cj.Spec, nil, field.NewPath("spec"))
	if len(cj.Name) > 52 {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), cj.Name, "must be no more than 52 characters"))
	}
	return errs
}

func (cronJobStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	cj, o := obj.(*batchv1.CronJob), old.(*batchv1.CronJob)
	return validateCronJobSpec(&cj.Spec, &o.Spec, field.NewPath("spec"))
}
