package job

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
)

// matchSuccessPolicy: an Indexed job succeeds early when a rule of its
// successPolicy holds, as upstream: every index in succeededIndexes
// succeeded, or at least succeededCount of them did (of all indexes when
// the rule names none). It returns upstream's message naming the first
// rule that holds.
func matchSuccessPolicy(sp *batchv1.SuccessPolicy, succeeded indexSet, completions int) (string, bool) {
	if sp == nil || len(succeeded) == 0 {
		return "", false
	}
	for i, rule := range sp.Rules {
		if ruleHolds(rule, succeeded, completions) {
			return "Matched rules at index " + strconv.Itoa(i), true
		}
	}
	return "", false
}

func ruleHolds(rule batchv1.SuccessPolicyRule, succeeded indexSet, completions int) bool {
	if rule.SucceededIndexes == nil {
		return rule.SucceededCount != nil && len(succeeded) >= int(*rule.SucceededCount)
	}
	want := parseIndexes(*rule.SucceededIndexes, completions)
	if len(want) == 0 {
		return false // nothing valid named: the rule cannot hold
	}
	n := 0
	for ix := range want {
		if succeeded[ix] {
			n++
		}
	}
	if rule.SucceededCount == nil {
		return n == len(want)
	}
	return n >= int(*rule.SucceededCount)
}
