package registry

import (
	"fmt"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of what only Indexed Jobs may have: per-index back-off
// limits (backoffLimitPerIndex, maxFailedIndexes, the FailIndex action)
// and a successPolicy, as upstream's.

const (
	maxPerIndexCompletions = 100000 // beyond it, backoffLimitPerIndex needs tighter bounds
	maxSuccessPolicyRules  = 20
	maxSucceededIndexes    = 64 * 1024 // bytes of succeededIndexes
)

func validateIndexedPolicies(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	errs := nonNegativePtr(spec.BackoffLimitPerIndex, p.Child("backoffLimitPerIndex"))
	errs = append(errs, nonNegativePtr(spec.MaxFailedIndexes, p.Child("maxFailedIndexes"))...)
	if spec.MaxFailedIndexes != nil {
		switch {
		case spec.BackoffLimitPerIndex == nil:
			errs = append(errs, field.Required(p.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
		case *spec.MaxFailedIndexes > maxPerIndexCompletions:
			errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, fmt.Sprintf("must be less than or equal to %d", maxPerIndexCompletions)))
		case spec.Completions != nil && *spec.MaxFailedIndexes > *spec.Completions:
			errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "must be less than or equal to completions"))
		}
	}
	if spec.BackoffLimitPerIndex != nil && spec.Completions != nil && *spec.Completions > maxPerIndexCompletions {
		// Many indexes: the failed ones and the running ones are bounded.
		const msg = "must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index"
		switch {
		case spec.MaxFailedIndexes == nil:
			errs = append(errs, field.Required(p.Child("maxFailedIndexes"), "must be specified when completions is above 100000 and backoffLimitPerIndex is set"))
		case *spec.MaxFailedIndexes > 10000:
			errs = append(errs, field.Invalid(p.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, msg))
		}
		if spec.Parallelism != nil && *spec.Parallelism > 10000 {
			errs = append(errs, field.Invalid(p.Child("parallelism"), *spec.Parallelism, msg))
		}
	}
	if fp := spec.PodFailurePolicy; fp != nil && spec.BackoffLimitPerIndex == nil {
		for i, rule := range fp.Rules {
			if rule.Action == batchv1.PodFailurePolicyActionFailIndex {
				errs = append(errs, field.Invalid(p.Child("podFailurePolicy", "rules").Index(i).Child("action"), rule.Action,
					"requires the backoffLimitPerIndex to be set"))
			}
		}
	}
	return append(errs, validateSuccessPolicy(spec, p.Child("successPolicy"))...)
}

func validateSuccessPolicy(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	sp := spec.SuccessPolicy
	if sp == nil {
		return nil
	}
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		return field.ErrorList{field.Invalid(p, *sp, "requires indexed completion mode")}
	}
	rp := p.Child("rules")
	switch {
	case len(sp.Rules) == 0:
		return field.ErrorList{field.Required(rp, "at least one rules must be specified when the successPolicy is specified")}
	case len(sp.Rules) > maxSuccessPolicyRules:
		return field.ErrorList{field.TooMany(rp, len(sp.Rules), maxSuccessPolicyRules)}
	}
	var completions int32
	if spec.Completions != nil {
		completions = *spec.Completions
	}
	var errs field.ErrorList
	for i, rule := range sp.Rules {
		errs = append(errs, validateSuccessPolicyRule(rule, completions, rp.Index(i))...)
	}
	return errs
}

func validateSuccessPolicyRule(rule batchv1.SuccessPolicyRule, completions int32, p *field.Path) field.ErrorList {
	if rule.SucceededIndexes == nil && rule.SucceededCount == nil {
		return field.ErrorList{field.Required(p, "at least one of succeededCount or succeededIndexes must be specified")}
	}
	var errs field.ErrorList
	total := int64(-1) // indexes the rule names; -1: it names none
	if ix := rule.SucceededIndexes; ix != nil {
		ip := p.Child("succeededIndexes")
		if len(*ix) > maxSucceededIndexes {
			errs = append(errs, field.TooLong(ip, "", maxSucceededIndexes))
		} else if n, err := countIndexIntervals(*ix, completions); err != nil {
			errs = append(errs, field.Invalid(ip, *ix, "error parsing succeededIndexes: "+err.Error()))
		} else {
			total = n
		}
	}
	if c := rule.SucceededCount; c != nil {
		cp := p.Child("succeededCount")
		switch {
		case *c < 0:
			errs = append(errs, field.Invalid(cp, *c, "must be greater than or equal to 0"))
		case *c > completions:
			errs = append(errs, field.Invalid(cp, *c, fmt.Sprintf("must be less than or equal to %d (the number of specified completions)", completions)))
		case total >= 0 && int64(*c) > total:
			errs = append(errs, field.Invalid(cp, *c, fmt.Sprintf("must be less than or equal to %d (the number of indexes in the specified succeededIndexes field)", total)))
		}
	}
	return errs
}

// countIndexIntervals checks a list of indexes and ranges ("1,3-5") as
// upstream writes them: increasing, not overlapping, each below
// completions; it returns how many indexes the list names.
func countIndexIntervals(s string, completions int32) (int64, error) {
	var total int64
	prev := int64(-1)
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.ParseInt(lo, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("cannot convert string to integer for index: %q", lo)
		}
		last := first
		if isRange {
			if last, err = strconv.ParseInt(hi, 10, 32); err != nil {
				return 0, fmt.Errorf("cannot convert string to integer for index: %q", hi)
			}
			if last <= first {
				return 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", first, last)
			}
		}
		switch {
		case first < 0:
			return 0, fmt.Errorf("index %d must be greater than or equal to 0", first)
		case first <= prev:
			return 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", prev, first)
		case last >= int64(completions):
			return 0, fmt.Errorf("too large index: %d", last)
		}
		total += last - first + 1
		prev = last
	}
	return total, nil
}
