package registry

import (
	"math/bits"
	"strings"
	"testing"
	"time"
)

func TestParseCronValid(t *testing.T) {
	cases := map[string]struct{ minutes, hours, doms, months, dows int }{
		"* * * * *":             {60, 24, 31, 12, 7},
		"*/15 * * * *":          {4, 24, 31, 12, 7},
		"0 0 1 1 *":             {1, 1, 1, 1, 7},
		"5,10-12 1-3/2 * * *":   {4, 2, 31, 12, 7},
		"0 9 * JAN-mar mon-FRI": {1, 1, 31, 3, 5},
		"0 0 ? * ?":             {1, 1, 31, 12, 7},
		"30 5/6 * * *":          {1, 4, 31, 12, 7},
		"@hourly":               {1, 24, 31, 12, 7},
		"@weekly":               {1, 1, 31, 12, 1},
		"  0 0 * * 0  ":         {1, 1, 31, 12, 1},
		"TZ=UTC 0 0 * * *":      {1, 1, 31, 12, 7},
	}
	for spec, want := range cases {
		s, err := ParseCron(spec)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		got := struct{ minutes, hours, doms, months, dows int }{count(s.Minute), count(s.Hour), count(s.Dom), count(s.Month), count(s.Dow)}
		if got != want {
			t.Errorf("%q: counts %+v, want %+v", spec, got, want)
		}
	}
}

func TestParseCronErrors(t *testing.T) {
	cases := map[string]string{
		"":                  "empty spec string",
		"* * * *":           "expected exactly 5 fields, found 4",
		"* * * * * *":       "expected exactly 5 fields, found 6",
		"60 * * * *":        "end of range (60) above maximum (59)",
		"* 24 * * *":        "end of range (24) above maximum (23)",
		"* * 0 * *":         "beginning of range (0) below minimum (1)",
		"* * * 13 *":        "end of range (13) above maximum (12)",
		"* * * * 7":         "end of range (7) above maximum (6)",
		"5-1 * * * *":       "beginning of range (5) beyond end of range (1)",
		"*/0 * * * *":       "step of range should be a positive number",
		"1-2-3 * * * *":     "too many hyphens",
		"*/2/3 * * * *":     "too many slashes",
		"x * * * *":         "failed to parse int from x",
		"-1 * * * *":        "failed to parse int from",
		"@sometimes":        "unrecognized descriptor: @sometimes",
		"@every banana":     "failed to parse duration @every banana",
		"TZ=Nowhere/Land *": "provided bad location Nowhere/Land",
	}
	for spec, want := range cases {
		_, err := ParseCron(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to contain %q", spec, err, want)
		}
	}
}

func TestCronNext(t *testing.T) {
	base := time.Date(2024, 1, 31, 23, 59, 30, 0, time.UTC)
	cases := map[string]time.Time{
		"* * * * *":     time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
		"0 12 * * *":    time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC),
		"0 0 29 2 *":    time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"0 0 * * 6":     time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC),
		"0 0 13 * 5":    time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC), // day 13 OR a Friday
		"@every 90s":    base.Add(90 * time.Second),
		"TZ=UTC @daily": time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
	}
	for spec, want := range cases {
		s, err := ParseCron(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if s.Location == time.Local {
			s.Location = time.UTC
		}
		if got := s.Next(base); !got.Equal(want) {
			t.Errorf("%q: Next = %v, want %v", spec, got, want)
		}
	}
	never, _ := ParseCron("0 0 30 2 *")
	if got := never.Next(base); !got.IsZero() {
		t.Errorf("Feb 30: Next = %v, want zero", got)
	}
}

// count is the number of values a field allows.
func count(set uint64) int { return bits.OnesCount64(set) }
