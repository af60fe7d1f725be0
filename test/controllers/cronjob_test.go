package controllers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func newTestCronJob(name, schedule string, sim map[string]string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule,
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       newTestJob(name, sim, nil).Spec,
			},
		},
	}
}

func getCronJob(t *testing.T, ns, name string) *batchv1.CronJob {
	t.Helper()
	cj, err := client.BatchV1().CronJobs(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cj
}

// kubectl create job --from=cronjob/x makes a job the CronJob controls:
// the controller tracks it in status.active until it completes, then
// records lastSuccessfulTime.
func TestCronJobCreateJobFrom(t *testing.T) {
	ns := newNamespace(t)
	cj, err := client.BatchV1().CronJobs(ns).Create(baseCtx, newTestCronJob("nightly", "@daily",
		map[string]string{"sim.orca.dev/run-for": "2s"}), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustKubectl(t, "create", "job", "-n", ns, "manual", "--from=cronjob/nightly")
	j := getJob(t, ns, "manual")
	if ref := metav1.GetControllerOf(j); ref == nil || ref.UID != cj.UID {
		t.Fatalf("job owner %v, want the CronJob", j.OwnerReferences)
	}
	poll(t, 20*time.Second, "the manual job in status.active", func() bool {
		cj = getCronJob(t, ns, "nightly")
		return len(cj.Status.Active) == 1 && cj.Status.Active[0].Name == "manual"
	})
	waitJobCondition(t, ns, "manual", batchv1.JobComplete, 30*time.Second)
	poll(t, 20*time.Second, "completed job leaves status.active, lastSuccessfulTime set", func() bool {
		cj = getCronJob(t, ns, "nightly")
		return len(cj.Status.Active) == 0 && cj.Status.LastSuccessfulTime != nil
	})
	if cj.Status.LastScheduleTime != nil {
		t.Errorf("lastScheduleTime %v, want none: @daily was not due", cj.Status.LastScheduleTime)
	}
	waitEvent(t, ns, "nightly", "Normal SawCompletedJob: Saw completed job: manual, condition: Complete")
	if jobs, _ := client.BatchV1().Jobs(ns).List(baseCtx, metav1.ListOptions{}); len(jobs.Items) != 1 {
		t.Errorf("%d jobs, want only the manual one", len(jobs.Items))
	}
}

// A CronJob running every minute creates its first job at the next
// minute (one wait of at most a minute): named <cronjob>-<minutes since
// the epoch>, with the scheduled-timestamp annotation, recorded as active
// and as lastScheduleTime.
func TestCronJobScheduledRun(t *testing.T) {
	ns := newNamespace(t)
	if _, err := client.BatchV1().CronJobs(ns).Create(baseCtx, newTestCronJob("every", "* * * * *",
		map[string]string{"sim.orca.dev/run-for": "10m"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var cj *batchv1.CronJob
	poll(t, 75*time.Second, "the first scheduled job", func() bool {
		cj = getCronJob(t, ns, "every")
		return cj.Status.LastScheduleTime != nil && len(cj.Status.Active) == 1
	})
	sched := cj.Status.LastScheduleTime.Time
	if sched.Second() != 0 || time.Since(sched) > 30*time.Second {
		t.Errorf("lastScheduleTime %v, want a whole minute just past", sched)
	}
	want := fmt.Sprintf("every-%d", sched.Unix()/60)
	if cj.Status.Active[0].Name != want {
		t.Errorf("active %v, want job %s", cj.Status.Active, want)
	}
	j := getJob(t, ns, want)
	if got := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; got == "" {
		t.Errorf("job annotations %v, want %s", j.Annotations, batchv1.CronJobScheduledTimestampAnnotation)
	} else if ts, err := time.Parse(time.RFC3339, got); err != nil || !ts.Equal(sched) {
		t.Errorf("scheduled timestamp %q, want %v", got, sched)
	}
	if j.Labels["app"] != "every" {
		t.Errorf("job labels %v, want the template's", j.Labels)
	}
	waitEvent(t, ns, "every", "Normal SuccessfulCreate: Created job "+want)
	// Stop it before the next minute makes another.
	if _, err := client.BatchV1().CronJobs(ns).Patch(baseCtx, "every", types.MergePatchType, []byte(`{"spec":{"suspend":true}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	out := mustKubectl(t, "get", "cronjob", "every", "-n", ns)
	if !strings.Contains(out, "* * * * *") {
		t.Errorf("kubectl get cronjob:\n%s", out)
	}
}

// successfulJobsHistoryLimit keeps only the newest finished jobs: the
// older ones are deleted with SuccessfulDelete events.
func TestCronJobHistoryLimit(t *testing.T) {
	ns := newNamespace(t)
	cj := newTestCronJob("hist", "@yearly", map[string]string{"sim.orca.dev/exit-code": "0"})
	cj.Spec.SuccessfulJobsHistoryLimit = jobPtr[int32](1)
	if _, err := client.BatchV1().CronJobs(ns).Create(baseCtx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"run-a", "run-b"} {
		mustKubectl(t, "create", "job", "-n", ns, name, "--from=cronjob/hist")
		waitJobCondition(t, ns, name, batchv1.JobComplete, 30*time.Second)
	}
	poll(t, 20*time.Second, "only the newest finished job kept", func() bool {
		jobs, err := client.BatchV1().Jobs(ns).List(baseCtx, metav1.ListOptions{})
		return err == nil && len(jobs.Items) == 1 && jobs.Items[0].Name == "run-b"
	})
	waitEvent(t, ns, "hist", "Normal SuccessfulDelete: Deleted job run-a")
}
