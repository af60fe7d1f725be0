package registry

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A parser for the standard 5-field cron schedules CronJobs use
// ("minute hour day-of-month month day-of-week"), the @yearly ... @hourly
// macros, "@every <duration>", and an optional TZ= or CRON_TZ= prefix.
// Fields take "*" or "?", numbers, names (jan-dec, sun-sat), ranges "a-b",
// steps "/n" and comma-separated lists.

// CronSchedule is a parsed schedule: one bit per allowed value.
type CronSchedule struct {
	Minute, Hour, Dom, Month, Dow uint64
	// DomStar and DowStar record a "*" day field: when either is a star,
	// both day fields must match; otherwise either may.
	DomStar, DowStar bool
	// Every is the interval of an "@every" schedule (fields then unused).
	Every    time.Duration
	Location *time.Location
}

type cronBounds struct {
	min, max int
	names    map[string]int
}

var (
	cronMinute = cronBounds{0, 59, nil}
	cronHour   = cronBounds{0, 23, nil}
	cronDom    = cronBounds{1, 31, nil}
	cronMonth  = cronBounds{1, 12, map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}}
	cronDow = cronBounds{0, 6, map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}}
)

var cronMacros = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// ParseCron parses a schedule.
func ParseCron(spec string) (*CronSchedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty spec string")
	}
	loc, spec, err := cronLocation(spec)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(spec, "@") {
		return parseCronMacro(spec, loc)
	}
	f := strings.Fields(spec)
	if len(f) != 5 {
		return nil, fmt.Errorf("expected exactly 5 fields, found %d: %s", len(f), spec)
	}
	s := &CronSchedule{Location: loc}
	dst := []*uint64{&s.Minute, &s.Hour, &s.Dom, &s.Month, &s.Dow}
	for i, b := range []cronBounds{cronMinute, cronHour, cronDom, cronMonth, cronDow} {
		if *dst[i], err = parseCronField(f[i], b); err != nil {
			return nil, err
		}
	}
	s.DomStar, s.DowStar = isStar(f[2]), isStar(f[4])
	return s, nil
}

func isStar(f string) bool {
	return f == "*" || f == "?" || strings.HasPrefix(f, "*/") || strings.HasPrefix(f, "?/")
}

// cronLocation strips a TZ= or CRON_TZ= prefix and loads its zone.
func cronLocation(spec string) (*time.Location, string, error) {
	if !strings.HasPrefix(spec, "TZ=") && !strings.HasPrefix(spec, "CRON_TZ=") {
		return time.Local, spec, nil
	}
	name, rest, _ := strings.Cut(spec, " ")
	name = name[strings.Index(name, "=")+1:]
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, "", fmt.Errorf("provided bad location %s: %v", name, err)
	}
	return loc, strings.TrimSpace(rest), nil
}

func parseCronMacro(spec string, loc *time.Location) (*CronSchedule, error) {
	if fields, ok := cronMacros[spec]; ok {
		s, err := ParseCron(fields)
		if err == nil {
			s.Location = loc
		}
		return s, err
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		every, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return nil, fmt.Errorf("failed to parse duration %s: %s", spec, err)
		}
		// Like upstream's parser: whole seconds, at least one.
		every = max(every.Truncate(time.Second), time.Second)
		return &CronSchedule{Every: every, Location: loc}, nil
	}
	return nil, fmt.Errorf("unrecognized descriptor: %s", spec)
}

// parseCronField parses a comma-separated list of ranges.
func parseCronField(f string, b cronBounds) (uint64, error) {
	var set uint64
	for _, r := range strings.Split(f, ",") {
		bits, err := parseCronRange(r, b)
		if err != nil {
			return 0, err
		}
		set |= bits
	}
	return set, nil
}

// parseCronRange parses "*", "a", "a-b", each optionally with "/step".
func parseCronRange(expr string, b cronBounds) (uint64, error) {
	rng, stepStr, hasStep := strings.Cut(expr, "/")
	if strings.Contains(stepStr, "/") {
		return 0, fmt.Errorf("too many slashes: %s", expr)
	}
	start, end, err := cronRangeEnds(rng, expr, b)
	if err != nil {
		return 0, err
	}
	step := 1
	if hasStep {
		if step, err = cronNumber(stepStr, expr); err != nil {
			return 0, err
		}
		if step <= 0 {
			return 0, fmt.Errorf("step of range should be a positive number: %s", expr)
		}
		if !strings.Contains(rng, "-") && rng != "*" && rng != "?" {
			end = b.max
		}
	}
	if start < b.min {
		return 0, fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, b.min, expr)
	}
	if end > b.max {
		return 0, fmt.Errorf("end of range (%d) above maximum (%d): %s", end, b.max, expr)
	}
	if start > end {
		return 0, fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	}
	var set uint64
	for v := start; v <= end; v += step {
		set |= 1 << uint(v)
	}
	return set, nil
}

func cronRangeEnds(rng, expr string, b cronBounds) (int, int, error) {
	if rng == "*" || rng == "?" {
		return b.min, b.max, nil
	}
	parts := strings.Split(rng, "-")
	if len(parts) > 2 {
		return 0, 0, fmt.Errorf("too many hyphens: %s", expr)
	}
	start, err := cronValue(parts[0], expr, b)
	if err != nil {
		return 0, 0, err
	}
	end := start
	if len(parts) == 2 {
		if end, err = cronValue(parts[1], expr, b); err != nil {
			return 0, 0, err
		}
	}
	return start, end, nil
}

// cronValue is a number or, where the field has them, a name.
func cronValue(s, expr string, b cronBounds) (int, error) {
	if v, ok := b.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	return cronNumber(s, expr)
}

func cronNumber(s, expr string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %s", s, err)
	}
	return int(n), nil
}

// Next returns the first activation strictly after t, or the zero time if
// there is none within five years (e.g. "0 0 30 2 *").
func (s *CronSchedule) Next(t time.Time) time.Time {
	if s.Every > 0 {
		return t.Add(s.Every - time.Duration(t.Nanosecond()))
	}
	loc := s.Location
	if loc == nil {
		loc = time.Local
	}
	orig := t.Location()
	t = t.In(loc).Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		next := s.skip(t, loc)
		if next.Equal(t) {
			return t.In(orig)
		}
		if !next.After(t) { // a daylight-saving fold went backwards
			next = t.Add(time.Minute)
		}
		t = next
	}
	return time.Time{}
}

// skip returns t when it matches, else the next time worth checking.
func (s *CronSchedule) skip(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.Date()
	switch {
	case !has(s.Month, int(m)):
		return time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	case !s.dayMatches(t):
		return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case !has(s.Hour, t.Hour()):
		return time.Date(y, m, d, t.Hour()+1, 0, 0, 0, loc)
	case !has(s.Minute, t.Minute()):
		return t.Add(time.Minute)
	}
	return t
}

func (s *CronSchedule) dayMatches(t time.Time) bool {
	dom, dow := has(s.Dom, t.Day()), has(s.Dow, int(t.Weekday()))
	if s.DomStar || s.DowStar {
		return dom && dow
	}
	return dom || dow
}

func has(set uint64, v int) bool { return set&(1<<uint(v)) != 0 }
