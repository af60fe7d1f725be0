package cronjob

import (
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// t0 is a Monday, 10:00:00 UTC.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func testCronJob(schedule string, mutate ...func(*batchv1.CronJob)) *batchv1.CronJob {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "cj", Namespace: "ns", UID: "cj-uid",
			CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule, TimeZone: ptr("UTC"), ConcurrencyPolicy: batchv1.AllowConcurrent,
			Suspend: ptr(false), SuccessfulJobsHistoryLimit: ptr[int32](3), FailedJobsHistoryLimit: ptr[int32](1),
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}, Annotations: map[string]string{"a": "b"}},
				Spec:       batchv1.JobSpec{BackoffLimit: ptr[int32](2)},
			},
		},
	}
	for _, m := range mutate {
		m(cj)
	}
	return cj
}

func lastRun(t time.Time) func(*batchv1.CronJob) {
	return func(cj *batchv1.CronJob) { cj.Status.LastScheduleTime = &metav1.Time{Time: t} }
}

func testJob(name string, cond batchv1.JobConditionType, started time.Time) *batchv1.Job {
	cj := testCronJob("* * * * *")
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name + "-uid"),
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)}}}
	j.Status.StartTime = &metav1.Time{Time: started}
	if cond != "" {
		j.Status.Conditions = []batchv1.JobCondition{{Type: cond, Status: v1.ConditionTrue}}
		if cond == batchv1.JobComplete {
			j.Status.CompletionTime = &metav1.Time{Time: started.Add(time.Minute)}
		}
	}
	return j
}

func activeOf(jobs ...*batchv1.Job) func(*batchv1.CronJob) {
	return func(cj *batchv1.CronJob) {
		for _, j := range jobs {
			cj.Status.Active = append(cj.Status.Active, jobRef(j))
		}
	}
}

func reasons(evs []event) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.reason)
	}
	return strings.Join(out, ",")
}

// Schedules, macros and time zones: whether a run is due now and when
// the controller wakes next.
func TestCronJobDecideSchedule(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cj       *batchv1.CronJob
		now      time.Time
		due      time.Time // zero: nothing to create
		requeue  time.Duration
		eventsIn string
	}{
		{"every minute, due", testCronJob("* * * * *", lastRun(t0.Add(-time.Minute))), t0.Add(5 * time.Second), t0, 55*time.Second + nextDelta, ""},
		{"every minute, already ran", testCronJob("* * * * *", lastRun(t0)), t0.Add(5 * time.Second), time.Time{}, 55*time.Second + nextDelta, ""},
		{"first run after creation", testCronJob("*/15 * * * *"), t0.Add(time.Second), t0, 14*time.Minute + 59*time.Second + nextDelta, ""},
		{"@hourly not due", testCronJob("@hourly", lastRun(t0)), t0.Add(30 * time.Minute), time.Time{}, 30*time.Minute + nextDelta, ""},
		{"@daily due at midnight", testCronJob("@daily", lastRun(t0.Add(-24*time.Hour))), t0.Add(14 * time.Hour), t0.Add(14 * time.Hour), 24*time.Hour + nextDelta, ""},
		{"@weekly is Sunday", testCronJob("@weekly", lastRun(t0.Add(-48*time.Hour))), t0, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 5*24*time.Hour + 14*time.Hour + nextDelta, ""},
		{"names and ranges", testCronJob("30 9-17/2 * jan-dec mon-fri", lastRun(t0.Add(-time.Hour))), t0, time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), time.Hour + 30*time.Minute + nextDelta, ""},
		{"time zone", testCronJob("0 11 * * *", lastRun(t0.Add(-24*time.Hour)), func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr("Europe/Berlin") }),
			t0, t0, 24*time.Hour + nextDelta, ""},
		{"starting deadline missed", testCronJob("0 * * * *", lastRun(t0.Add(-time.Hour)), func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptr[int64](60) }),
			t0.Add(2 * time.Minute), time.Time{}, 58*time.Minute + nextDelta, "MissSchedule"},
		{"starting deadline met", testCronJob("0 * * * *", lastRun(t0.Add(-time.Hour)), func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptr[int64](300) }),
			t0.Add(2 * time.Minute), t0, 58*time.Minute + nextDelta, ""},
		{"too many missed", testCronJob("* * * * *", lastRun(t0.Add(-5*time.Hour))), t0.Add(time.Second), t0, 59*time.Second + nextDelta, "TooManyMissedTimes"},
		{"suspended", testCronJob("* * * * *", lastRun(t0.Add(-time.Minute)), func(cj *batchv1.CronJob) { cj.Spec.Suspend = ptr(true) }), t0, time.Time{}, 0, ""},
		{"unknown time zone", testCronJob("* * * * *", func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr("Mars/Olympus") }), t0, time.Time{}, 0, "UnknownTimeZone"},
		{"unparseable", testCronJob("61 * * * *"), t0, time.Time{}, 0, "UnparseableSchedule"},
	} {
		p := decide(input{cj: tc.cj, now: tc.now})
		switch {
		case tc.due.IsZero() && p.create != nil:
			t.Errorf("%s: created %s, want nothing", tc.name, p.create.Name)
		case !tc.due.IsZero() && (p.create == nil || !p.scheduled.Equal(tc.due)):
			t.Errorf("%s: created %v for %v, want a job for %v", tc.name, p.create != nil, p.scheduled, tc.due)
		}
		if p.requeue != tc.requeue {
			t.Errorf("%s: requeue %v, want %v", tc.name, p.requeue, tc.requeue)
		}
		if got := reasons(p.events); got != tc.eventsIn {
			t.Errorf("%s: events %q, want %q", tc.name, got, tc.eventsIn)
		}
	}
}

// The job of a schedule time: its name, template, annotation and owner.
func TestCronJobDecideJobFromTemplate(t *testing.T) {
	cj := testCronJob("0 11 * * *", lastRun(t0.Add(-24*time.Hour)), func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr("Europe/Berlin") })
	p := decide(input{cj: cj, now: t0.Add(time.Second)})
	j := p.create
	if j == nil {
		t.Fatal("no job")
	}
	if want := fmt.Sprintf("cj-%d", t0.Unix()/60); j.Name != want {
		t.Errorf("name %s, want %s", j.Name, want)
	}
	if got := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; got != "2026-03-02T11:00:00+01:00" {
		t.Errorf("scheduled timestamp %q, want it in the CronJob's zone", got)
	}
	if j.Annotations["a"] != "b" || j.Labels["app"] != "x" || *j.Spec.BackoffLimit != 2 {
		t.Errorf("job %+v, want the template's labels, annotations and spec", j)
	}
	if ref := metav1.GetControllerOf(j); ref == nil || ref.Kind != "CronJob" || ref.UID != "cj-uid" {
		t.Errorf("owner %v, want the CronJob", j.OwnerReferences)
	}
	if cj.Spec.JobTemplate.Annotations[batchv1.CronJobScheduledTimestampAnnotation] != "" {
		t.Error("the template was changed")
	}
}

// concurrencyPolicy with a job still running.
func TestCronJobDecideConcurrency(t *testing.T) {
	running := testJob("running", "", t0.Add(-time.Minute))
	for _, tc := range []struct {
		policy  batchv1.ConcurrencyPolicy
		create  bool
		replace int
		events  string
	}{
		{batchv1.AllowConcurrent, true, 0, ""},
		{batchv1.ForbidConcurrent, false, 0, "JobAlreadyActive"},
		{batchv1.ReplaceConcurrent, true, 1, ""},
	} {
		cj := testCronJob("* * * * *", lastRun(t0.Add(-time.Minute)), activeOf(running), func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = tc.policy })
		p := decide(input{cj: cj, jobs: []*batchv1.Job{running}, now: t0})
		if (p.create != nil) != tc.create || len(p.replace) != tc.replace || reasons(p.events) != tc.events {
			t.Errorf("%s: create %v replace %d events %q, want %v %d %q", tc.policy, p.create != nil, len(p.replace), reasons(p.events), tc.create, tc.replace, tc.events)
		}
		if tc.policy == batchv1.ReplaceConcurrent && len(p.status.Active) != 0 {
			t.Errorf("Replace: active %v, want the replaced job dropped", p.status.Active)
		}
	}
}

// status.active follows the jobs: finished ones leave (SawCompletedJob,
// lastSuccessfulTime), missing ones leave (MissingJob), unknown running
// ones join (UnexpectedJob).
func TestCronJobDecideActive(t *testing.T) {
	done := testJob("done", batchv1.JobComplete, t0.Add(-10*time.Minute))
	gone := testJob("gone", "", t0)
	stray := testJob("stray", "", t0)
	cj := testCronJob("@daily", lastRun(t0.Add(-10*time.Hour)), activeOf(done, gone))
	p := decide(input{cj: cj, jobs: []*batchv1.Job{done, stray}, now: t0})
	if len(p.status.Active) != 1 || p.status.Active[0].Name != "stray" {
		t.Errorf("active %v, want only stray", p.status.Active)
	}
	if p.status.LastSuccessfulTime == nil || !p.status.LastSuccessfulTime.Time.Equal(t0.Add(-9*time.Minute)) {
		t.Errorf("lastSuccessfulTime %v, want done's completion", p.status.LastSuccessfulTime)
	}
	if got := reasons(p.events); got != "SawCompletedJob,UnexpectedJob,MissingJob" {
		t.Errorf("events %q", got)
	}
	if p.events[0].msg != "Saw completed job: done, condition: Complete" {
		t.Errorf("message %q", p.events[0].msg)
	}
}

// History limits delete the oldest finished jobs beyond them.
func TestCronJobDecideHistory(t *testing.T) {
	var jobs []*batchv1.Job
	for i := 0; i < 5; i++ {
		jobs = append(jobs, testJob(fmt.Sprintf("ok%d", i), batchv1.JobComplete, t0.Add(time.Duration(i)*time.Minute)))
	}
	jobs = append(jobs, testJob("bad0", batchv1.JobFailed, t0), testJob("bad1", batchv1.JobFailed, t0.Add(time.Minute)),
		testJob("running", "", t0))
	cj := testCronJob("@daily", lastRun(t0), activeOf(jobs[7]))
	p := decide(input{cj: cj, jobs: jobs, now: t0.Add(time.Hour)})
	var got []string
	for _, j := range p.oldHistory {
		got = append(got, j.Name)
	}
	if strings.Join(got, ",") != "ok0,ok1,bad0" {
		t.Errorf("deleted %v, want ok0,ok1,bad0", got)
	}
}
