package printers

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

func batchPrinters() map[string]Printer {
	return map[string]Printer{
		"jobs":     {Columns: jobColumns, Cells: typed(jobCells)},
		"cronjobs": {Columns: cronJobColumns, Cells: typed(cronJobCells)},
	}
}

var jobColumns = columns(nameColumn(),
	column("Status", "string", "Overall state of the job."),
	column("Completions", "string", "Succeeded pods out of the completions wanted."),
	column("Duration", "string", "How long the job ran, or has been running."),
	ageColumn(),
	containerColumns(),
	wide("Selector", "string", "Label selector of the job's pods."))

func jobCells(j *batchv1.Job, now time.Time) []interface{} {
	names, images := containerCells(j.Spec.Template.Spec.Containers)
	return []interface{}{
		j.Name, jobStatus(j), jobCompletions(j), jobDuration(j, now), age(j.CreationTimestamp, now),
		names, images, selectorString(j.Spec.Selector),
	}
}

func jobCompletions(j *batchv1.Job) string {
	if j.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	}
	if j.Spec.Parallelism != nil && *j.Spec.Parallelism > 1 {
		return fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *j.Spec.Parallelism)
	}
	return fmt.Sprintf("%d/1", j.Status.Succeeded)
}

func jobDuration(j *batchv1.Job, now time.Time) string {
	switch {
	case j.Status.StartTime == nil:
		return ""
	case j.Status.CompletionTime == nil:
		return duration.HumanDuration(now.Sub(j.Status.StartTime.Time))
	default:
		return duration.HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	}
}

func jobStatus(j *batchv1.Job) string {
	switch {
	case jobCondition(j, batchv1.JobComplete):
		return "Complete"
	case jobCondition(j, batchv1.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case jobCondition(j, batchv1.JobSuspended):
		return "Suspended"
	case jobCondition(j, batchv1.JobFailureTarget):
		return "FailureTarget"
	case jobCondition(j, batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

// jobCondition tells whether the first condition of type t is true.
func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

var cronJobColumns = columns(nameColumn(),
	column("Schedule", "string", "Cron schedule of the jobs."),
	column("Timezone", "string", "Time zone the schedule is read in."),
	column("Suspend", "boolean", "Whether new runs are suspended."),
	column("Active", "integer", "Number of jobs running."),
	column("Last Schedule", "string", "Time since a job was last scheduled."),
	ageColumn(),
	containerColumns(),
	wide("Selector", "string", "Label selector of the jobs' pods."))

func cronJobCells(cj *batchv1.CronJob, now time.Time) []interface{} {
	last := "<none>"
	if cj.Status.LastScheduleTime != nil {
		last = age(*cj.Status.LastScheduleTime, now)
	}
	timeZone := "<none>"
	if cj.Spec.TimeZone != nil {
		timeZone = *cj.Spec.TimeZone
	}
	suspend := "False"
	if boolPtr(cj.Spec.Suspend, false) {
		suspend = "True"
	}
	tmpl := cj.Spec.JobTemplate.Spec
	names, images := containerCells(tmpl.Template.Spec.Containers)
	return []interface{}{
		cj.Name, cj.Spec.Schedule, timeZone, suspend, int64(len(cj.Status.Active)), last,
		age(cj.CreationTimestamp, now), names, images, selectorString(tmpl.Selector),
	}
}
