package printers

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func job(name string, completions, parallelism *int32, succeeded int32, conds ...batchv1.JobConditionType) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: meta5m(name),
		Spec: batchv1.JobSpec{Completions: completions, Parallelism: parallelism, Template: template("work"),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/job-name": name}}},
		Status: batchv1.JobStatus{Succeeded: succeeded}}
	for _, c := range conds {
		j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: c, Status: corev1.ConditionTrue})
	}
	return j
}

func jobRow(name, status, completions, duration string) []interface{} {
	return []interface{}{name, status, completions, duration, "5m", "work", "work:1", "batch.kubernetes.io/job-name=" + name}
}

func TestJobCells(t *testing.T) {
	runningJob := job("run", ptr(int32(3)), ptr(int32(1)), 2)
	runningJob.Status.StartTime = agoPtr(4 * time.Minute)
	done := job("done", ptr(int32(1)), nil, 1, batchv1.JobSuccessCriteriaMet, batchv1.JobComplete)
	done.Status.StartTime, done.Status.CompletionTime = agoPtr(5*time.Minute), agoPtr(4*time.Minute+25*time.Second)
	deleting := job("del", nil, nil, 0)
	deleting.DeletionTimestamp = agoPtr(time.Second)
	falseComplete := job("fc", nil, nil, 0)
	falseComplete.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionFalse}}

	checkCells(t, "batch", "jobs", []cellCase{
		{"two of three running", runningJob, jobRow("run", "Running", "2/3", "4m")},
		{"complete", done, jobRow("done", "Complete", "1/1", "35s")},
		{"work queue", job("wq", nil, ptr(int32(4)), 1), jobRow("wq", "Running", "1/1 of 4", "")},
		{"no completions", job("one", nil, nil, 0), jobRow("one", "Running", "0/1", "")},
		{"failed", job("f", nil, nil, 0, batchv1.JobFailureTarget, batchv1.JobFailed), jobRow("f", "Failed", "0/1", "")},
		{"terminating", deleting, jobRow("del", "Terminating", "0/1", "")},
		{"suspended", job("s", nil, nil, 0, batchv1.JobSuspended), jobRow("s", "Suspended", "0/1", "")},
		{"failure target", job("ft", nil, nil, 0, batchv1.JobFailureTarget), jobRow("ft", "FailureTarget", "0/1", "")},
		{"success criteria met", job("sc", nil, nil, 0, batchv1.JobSuccessCriteriaMet), jobRow("sc", "SuccessCriteriaMet", "0/1", "")},
		{"false condition", falseComplete, jobRow("fc", "Running", "0/1", "")},
	})
}

func TestCronJobCells(t *testing.T) {
	cj := &batchv1.CronJob{ObjectMeta: meta5m("nightly"),
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", TimeZone: ptr("Europe/Paris"), Suspend: ptr(true),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template("backup", "upload")}}},
		Status: batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "a"}, {Name: "b"}}, LastScheduleTime: agoPtr(3 * time.Hour)}}
	plain := &batchv1.CronJob{ObjectMeta: meta5m("hourly"), Spec: batchv1.CronJobSpec{Schedule: "@hourly"}}
	checkCells(t, "batch", "cronjobs", []cellCase{
		{"suspended with zone", cj, []interface{}{"nightly", "0 3 * * *", "Europe/Paris", "True", int64(2), "3h", "5m",
			"backup,upload", "backup:1,upload:1", "<none>"}},
		{"defaults", plain, []interface{}{"hourly", "@hourly", "<none>", "False", int64(0), "<none>", "5m", "", "", "<none>"}},
	})
}
