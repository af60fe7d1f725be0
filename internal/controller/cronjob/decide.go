package cronjob

import (
	"fmt"
	"maps"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The decision of one reconcile, from the CronJob, its jobs and the time
// (upstream's syncCronJob and cleanupFinishedJobs).

type input struct {
	cj   *batchv1.CronJob
	jobs []*batchv1.Job // controlled by cj
	now  time.Time
}

type event struct{ typ, reason, msg string }

// plan is carried out in order: delete replaced, create, write status
// (with the created job added to active), delete old history.
type plan struct {
	status     batchv1.CronJobStatus
	replace    []*batchv1.Job // active jobs to delete (concurrencyPolicy Replace)
	create     *batchv1.Job   // the job of the due schedule time
	scheduled  time.Time      // its schedule time
	oldHistory []*batchv1.Job // finished jobs beyond the history limits
	events     []event
	requeue    time.Duration // > 0: run again then (the next schedule time)
}

// nextDelta is upstream's margin after a schedule time, so that the
// requeued run sees it as due.
const nextDelta = 100 * time.Millisecond

func decide(in input) plan {
	cj := in.cj
	p := plan{status: *cj.Status.DeepCopy()}
	p.events = syncActive(&p.status, in.jobs)
	p.oldHistory = oldHistory(cj, in.jobs)
	if cj.DeletionTimestamp != nil {
		return p
	}
	loc, err := location(cj)
	if err != nil {
		p.events = append(p.events, event{v1.EventTypeWarning, "UnknownTimeZone", err.Error()})
		return p
	}
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return p
	}
	sched, err := parseSchedule(cj.Spec.Schedule, loc)
	if err != nil {
		p.events = append(p.events, event{v1.EventTypeWarning, "UnparseableSchedule",
			fmt.Sprintf("unparseable schedule: %q : %s", cj.Spec.Schedule, err)})
		return p
	}
	if next := sched.Next(in.now); !next.IsZero() {
		p.requeue = next.Sub(in.now) + nextDelta
	}
	withStatus := *cj
	withStatus.Status = p.status
	t, missed, due := mostRecent(&withStatus, sched, in.now)
	if !due {
		p.events = append(p.events, missedDeadline(&withStatus, sched, in.now)...)
		return p
	}
	if missed > tooManyMissed {
		p.events = append(p.events, event{v1.EventTypeWarning, "TooManyMissedTimes", fmt.Sprintf(
			"too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", missed)})
	}
	if sds := cj.Spec.StartingDeadlineSeconds; sds != nil && t.Add(time.Duration(*sds)*time.Second).Before(in.now) {
		p.events = append(p.events, event{v1.EventTypeWarning, "MissSchedule",
			"Missed scheduled time to start a job: " + t.UTC().Format(time.RFC1123Z)})
		return p
	}
	name := jobName(cj, t)
	if alreadyRan(&p.status, in.jobs, name, t) {
		return p
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(p.status.Active) > 0 {
			p.events = append(p.events, event{v1.EventTypeNormal, "JobAlreadyActive",
				"Not starting job because prior execution is running and concurrency policy is Forbid"})
			return p
		}
	case batchv1.ReplaceConcurrent:
		p.replace = activeJobs(&p.status, in.jobs)
		p.status.Active = nil
	}
	p.create = jobFor(cj, t, loc)
	p.scheduled = t
	return p
}

// missedDeadline: nothing is due within startingDeadlineSeconds, but a
// schedule time before that window went unrun: say so (MissSchedule).
func missedDeadline(cj *batchv1.CronJob, sched schedule, now time.Time) []event {
	if cj.Spec.StartingDeadlineSeconds == nil {
		return nil
	}
	open := *cj
	open.Spec.StartingDeadlineSeconds = nil
	t, _, ok := mostRecent(&open, sched, now)
	if !ok {
		return nil
	}
	return []event{{v1.EventTypeWarning, "MissSchedule", "Missed scheduled time to start a job: " + t.UTC().Format(time.RFC1123Z)}}
}

func isFinished(j *batchv1.Job) (batchv1.JobConditionType, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == v1.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}

// syncActive makes status.active the unfinished jobs, with upstream's
// events, and advances lastSuccessfulTime.
func syncActive(st *batchv1.CronJobStatus, jobs []*batchv1.Job) []event {
	var evs []event
	inActive := map[types.UID]bool{}
	for _, r := range st.Active {
		inActive[r.UID] = true
	}
	exists := map[types.UID]bool{}
	for _, j := range jobs {
		exists[j.UID] = true
		cond, finished := isFinished(j)
		switch {
		case !finished && !inActive[j.UID]:
			evs = append(evs, event{v1.EventTypeWarning, "UnexpectedJob",
				"Saw a job that the controller did not create or forgot: " + j.Name})
			st.Active = append(st.Active, jobRef(j))
		case finished && inActive[j.UID]:
			evs = append(evs, event{v1.EventTypeNormal, "SawCompletedJob",
				fmt.Sprintf("Saw completed job: %s, condition: %s", j.Name, cond)})
			removeActive(st, j.UID)
		}
		if cond == batchv1.JobComplete && j.Status.CompletionTime != nil &&
			(st.LastSuccessfulTime == nil || j.Status.CompletionTime.After(st.LastSuccessfulTime.Time)) {
			st.LastSuccessfulTime = j.Status.CompletionTime.DeepCopy()
		}
	}
	for _, r := range append([]v1.ObjectReference(nil), st.Active...) {
		if !exists[r.UID] {
			evs = append(evs, event{v1.EventTypeNormal, "MissingJob", "Active job went missing: " + r.Name})
			removeActive(st, r.UID)
		}
	}
	return evs
}

func removeActive(st *batchv1.CronJobStatus, uid types.UID) {
	var keep []v1.ObjectReference
	for _, r := range st.Active {
		if r.UID != uid {
			keep = append(keep, r)
		}
	}
	st.Active = keep
}

func jobRef(j *batchv1.Job) v1.ObjectReference {
	return v1.ObjectReference{Kind: "Job", APIVersion: "batch/v1", Namespace: j.Namespace, Name: j.Name,
		UID: j.UID, ResourceVersion: j.ResourceVersion}
}

// alreadyRan: the job of this schedule time was made (it is active, it
// exists, or it was the last one scheduled).
func alreadyRan(st *batchv1.CronJobStatus, jobs []*batchv1.Job, name string, t time.Time) bool {
	if st.LastScheduleTime != nil && st.LastScheduleTime.Time.Equal(t) {
		return true
	}
	for _, r := range st.Active {
		if r.Name == name {
			return true
		}
	}
	for _, j := range jobs {
		if j.Name == name {
			return true
		}
	}
	return false
}

func activeJobs(st *batchv1.CronJobStatus, jobs []*batchv1.Job) []*batchv1.Job {
	var out []*batchv1.Job
	for _, r := range st.Active {
		for _, j := range jobs {
			if j.UID == r.UID {
				out = append(out, j)
			}
		}
	}
	return out
}

var cronJobKind = batchv1.SchemeGroupVersion.WithKind("CronJob")

// jobFor builds the job of schedule time t from the job template.
func jobFor(cj *batchv1.CronJob, t time.Time, loc *time.Location) *batchv1.Job {
	tmpl := &cj.Spec.JobTemplate
	ann := maps.Clone(tmpl.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	stamp := t
	if loc != nil {
		stamp = t.In(loc)
	}
	ann[batchv1.CronJobScheduledTimestampAnnotation] = stamp.Format(time.RFC3339)
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: jobName(cj, t), Namespace: cj.Namespace,
			Labels: maps.Clone(tmpl.Labels), Annotations: ann,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)},
		},
	}
	tmpl.Spec.DeepCopyInto(&j.Spec)
	return j
}

// oldHistory are the finished jobs beyond successfulJobsHistoryLimit
// and failedJobsHistoryLimit, oldest first.
func oldHistory(cj *batchv1.CronJob, jobs []*batchv1.Job) []*batchv1.Job {
	var ok, failed []*batchv1.Job
	for _, j := range jobs {
		if j.DeletionTimestamp != nil {
			continue
		}
		switch cond, _ := isFinished(j); cond {
		case batchv1.JobComplete:
			ok = append(ok, j)
		case batchv1.JobFailed:
			failed = append(failed, j)
		}
	}
	return append(beyond(ok, cj.Spec.SuccessfulJobsHistoryLimit), beyond(failed, cj.Spec.FailedJobsHistoryLimit)...)
}

func beyond(jobs []*batchv1.Job, limit *int32) []*batchv1.Job {
	if limit == nil || len(jobs) <= int(*limit) {
		return nil
	}
	sort.SliceStable(jobs, func(a, b int) bool { return startedBefore(jobs[a], jobs[b]) })
	return jobs[:len(jobs)-int(*limit)]
}

// startedBefore orders by start time, jobs never started last, then by
// name (upstream's byJobStartTime).
func startedBefore(a, b *batchv1.Job) bool {
	sa, sb := a.Status.StartTime, b.Status.StartTime
	switch {
	case sa == nil && sb != nil:
		return false
	case sa != nil && sb == nil:
		return true
	case sa == nil || sa.Equal(sb):
		return a.Name < b.Name
	}
	return sa.Before(sb)
}
