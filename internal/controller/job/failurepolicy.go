package job

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
)

// policyVerdict is what a job's podFailurePolicy says about one failed
// pod: whether the failure counts towards backoffLimit, and, for a FailJob
// rule, the message of the job's failure.
type policyVerdict struct {
	count     bool
	failJob   string // non-empty: fail the job with this message
	failIndex bool   // a FailIndex rule: the pod's index fails now
}

// matchFailurePolicy applies the first matching rule, as upstream: exit
// codes of terminated containers (0 never matches), then pod conditions.
// No rule matches: the failure counts.
func matchFailurePolicy(fp *batchv1.PodFailurePolicy, p *v1.Pod) policyVerdict {
	if fp == nil {
		return policyVerdict{count: true}
	}
	for i, rule := range fp.Rules {
		var failMsg string
		switch {
		case rule.OnExitCodes != nil:
			cs := matchExitCodes(p, rule.OnExitCodes)
			if cs == nil {
				continue
			}
			failMsg = fmt.Sprintf("Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d",
				cs.Name, p.Namespace, p.Name, cs.State.Terminated.ExitCode, rule.Action, i)
		case rule.OnPodConditions != nil:
			c := matchPodConditions(p, rule.OnPodConditions)
			if c == nil {
				continue
			}
			failMsg = fmt.Sprintf("Pod %s/%s has condition %s matching %s rule at index %d",
				p.Namespace, p.Name, c.Type, rule.Action, i)
		default:
			continue
		}
		switch rule.Action {
		case batchv1.PodFailurePolicyActionIgnore:
			return policyVerdict{}
		case batchv1.PodFailurePolicyActionFailJob:
			return policyVerdict{count: true, failJob: failMsg}
		case batchv1.PodFailurePolicyActionFailIndex:
			return policyVerdict{count: true, failIndex: true}
		default: // Count
			return policyVerdict{count: true}
		}
	}
	return policyVerdict{count: true}
}

func matchExitCodes(p *v1.Pod, req *batchv1.PodFailurePolicyOnExitCodesRequirement) *v1.ContainerStatus {
	if cs := matchExitCodesIn(p.Status.ContainerStatuses, req); cs != nil {
		return cs
	}
	return matchExitCodesIn(p.Status.InitContainerStatuses, req)
}

func matchExitCodesIn(statuses []v1.ContainerStatus, req *batchv1.PodFailurePolicyOnExitCodesRequirement) *v1.ContainerStatus {
	for i := range statuses {
		cs := &statuses[i]
		t := cs.State.Terminated
		if t == nil || t.ExitCode == 0 {
			continue
		}
		if req.ContainerName != nil && *req.ContainerName != cs.Name {
			continue
		}
		in := slices.Contains(req.Values, t.ExitCode)
		if (req.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && in) ||
			(req.Operator == batchv1.PodFailurePolicyOnExitCodesOpNotIn && !in) {
			return cs
		}
	}
	return nil
}

func matchPodConditions(p *v1.Pod, patterns []batchv1.PodFailurePolicyOnPodConditionsPattern) *v1.PodCondition {
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		for _, pat := range patterns {
			status := pat.Status
			if status == "" {
				status = v1.ConditionTrue
			}
			if c.Type == pat.Type && c.Status == status {
				return c
			}
		}
	}
	return nil
}
