package cronjob

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"

	"orca/internal/registry"
)

// schedule is a parsed CronJob schedule in the CronJob's time zone (the
// controller's local zone when spec.timeZone is unset, as upstream). The
// parser is the API server's, so what validates is what runs.
type schedule interface{ Next(time.Time) time.Time }

func parseSchedule(spec string, loc *time.Location) (schedule, error) {
	s, err := registry.ParseCron(spec)
	if err != nil {
		return nil, err
	}
	if loc != nil {
		s.Location = loc
	}
	return s, nil
}

// location is the zone of spec.timeZone (nil: the schedule's own).
func location(cj *batchv1.CronJob) (*time.Location, error) {
	if cj.Spec.TimeZone == nil {
		return nil, nil
	}
	loc, err := time.LoadLocation(*cj.Spec.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("invalid timeZone: %q: %s", *cj.Spec.TimeZone, err)
	}
	return loc, nil
}

// tooManyMissed is upstream's threshold for the TooManyMissedTimes warning.
const tooManyMissed = 100

// mostRecent is the latest schedule time in (earliest, now], if any, and
// how many schedule times were missed in that window (counted exactly up
// to tooManyMissed+1, estimated beyond). earliest is the last schedule
// time (or creation), raised to now - startingDeadlineSeconds.
func mostRecent(cj *batchv1.CronJob, s schedule, now time.Time) (t time.Time, missed int, ok bool) {
	earliest := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if sds := cj.Spec.StartingDeadlineSeconds; sds != nil {
		if d := now.Add(-time.Duration(*sds) * time.Second); d.After(earliest) {
			earliest = d
		}
	}
	t = s.Next(earliest)
	if t.IsZero() || t.After(now) {
		return time.Time{}, 0, false
	}
	missed = 1
	for missed <= tooManyMissed {
		n := s.Next(t)
		if n.IsZero() || n.After(now) {
			return t, missed, true
		}
		t, missed = n, missed+1
	}
	// Too many to walk: find the latest one by looking back from now in
	// growing windows, and estimate the count from the spacing.
	first := t
	for w := time.Minute; ; w *= 2 {
		if n := s.Next(now.Add(-w)); !n.IsZero() && !n.After(now) {
			t = n
			break
		}
	}
	for n := s.Next(t); !n.IsZero() && !n.After(now); n = s.Next(t) {
		t = n
	}
	if gap := s.Next(first).Sub(first); gap > 0 {
		missed = max(missed, int(now.Sub(first)/gap)+1)
	}
	return t, missed, true
}

// jobName is <cronjob>-<scheduled time in minutes since the epoch>, so
// that one schedule time makes one job, whoever tries twice.
func jobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}
