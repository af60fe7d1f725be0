package expansion

import "testing"

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "LONG_NAME": "two"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for in, want := range map[string]string{
		"plain":              "plain",
		"$(A)":               "1",
		"x$(A)y$(LONG_NAME)": "x1ytwo",
		"$$(A)":              "$(A)",
		"$(MISSING)":         "$(MISSING)",
		"$(unterminated":     "$(unterminated",
		"cost $5":            "cost $5",
		"$":                  "$",
		"$$":                 "$",
		"a$$$(A)":            "a$1",
		"$(a $(A)":           "$(a $(A)", // the name runs to the first ")"
		"a$":                 "a$",
		"$x":                 "$x",
		"$()":                "$()",
		"$($(A))":            "$($(A))",
		"":                   "",
	} {
		if got := Expand(in, lookup); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}
