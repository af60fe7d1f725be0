package registry

import (
	"testing"
	"time"
)

// FuzzParseCron: the parser never panics, accepts only schedules whose
// fields stay within bounds, and Next always moves forward.
func FuzzParseCron(f *testing.F) {
	for _, seed := range []string{"* * * * *", "*/5 1-3 * JAN mon-fri", "0 0 1 1 *", "@daily", "@every 1h30m",
		"TZ=UTC 0 * * * *", "1,2,3-9/2 */4 ? * ?", "5/70 * * * *", "", "@", "* * * * * *", "--", "1-2-3", "*/0"} {
		f.Add(seed)
	}
	base := time.Date(2024, 3, 10, 1, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseCron(spec)
		if err != nil {
			if s != nil {
				t.Fatalf("%q: schedule and error both returned", spec)
			}
			return
		}
		if s.Every == 0 {
			checkCronBounds(t, spec, s)
		}
		if next := s.Next(base); !next.IsZero() && !next.After(base) {
			t.Fatalf("%q: Next(%v) = %v, not after", spec, base, next)
		}
	})
}

func checkCronBounds(t *testing.T, spec string, s *CronSchedule) {
	t.Helper()
	fields := []struct {
		set      uint64
		min, max int
	}{{s.Minute, 0, 59}, {s.Hour, 0, 23}, {s.Dom, 1, 31}, {s.Month, 1, 12}, {s.Dow, 0, 6}}
	for i, f := range fields {
		if f.set == 0 {
			t.Fatalf("%q: field %d allows nothing", spec, i)
		}
		for v := 0; v < 64; v++ {
			if has(f.set, v) && (v < f.min || v > f.max) {
				t.Fatalf("%q: field %d allows %d", spec, i, v)
			}
		}
	}
}
