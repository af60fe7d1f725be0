package job

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"

	"orca/internal/controller/pods"
)

var jobKind = batchv1.SchemeGroupVersion.WithKind("Job")

// completionIndexEnv is the variable upstream's controller gives every
// container of an Indexed job's pods.
const completionIndexEnv = "JOB_COMPLETION_INDEX"

// newPod builds a pod of job: the template, the tracking finalizer and,
// for an Indexed job (index >= 0), the index annotation and label, the
// hostname <job>-<index> and the JOB_COMPLETION_INDEX variable; under
// backoffLimitPerIndex also the index's failure counts (the ignored one
// only when not zero, as upstream).
func newPod(job *batchv1.Job, index int, counts indexCounts) *v1.Pod {
	p := pods.FromTemplate(&job.Spec.Template, job, jobKind)
	p.Finalizers = append(p.Finalizers, batchv1.JobTrackingFinalizer)
	if index < 0 {
		return p
	}
	ix := strconv.Itoa(index)
	p.GenerateName = job.Name + "-" + ix + "-"
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[batchv1.JobCompletionIndexAnnotation] = ix
	if perIndex(job) {
		p.Annotations[batchv1.JobIndexFailureCountAnnotation] = strconv.Itoa(counts.failures)
		if counts.ignored > 0 {
			p.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation] = strconv.Itoa(counts.ignored)
		}
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[batchv1.JobCompletionIndexAnnotation] = ix
	if p.Spec.Hostname == "" {
		p.Spec.Hostname = job.Name + "-" + ix
	}
	addIndexEnv(p.Spec.InitContainers)
	addIndexEnv(p.Spec.Containers)
	return p
}

func addIndexEnv(cs []v1.Container) {
	for i := range cs {
		c := &cs[i]
		has := false
		for _, e := range c.Env {
			has = has || e.Name == completionIndexEnv
		}
		if has {
			continue
		}
		c.Env = append(c.Env, v1.EnvVar{Name: completionIndexEnv, ValueFrom: &v1.EnvVarSource{
			FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.annotations['" + batchv1.JobCompletionIndexAnnotation + "']"},
		}})
	}
}
