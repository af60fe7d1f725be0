package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

// TaintToleration keeps pods off nodes whose NoSchedule/NoExecute taints
// they do not tolerate, and prefers nodes with fewer untolerated
// PreferNoSchedule taints.
type TaintToleration struct{}

const TaintTolerationName = "TaintToleration"

func (TaintToleration) Name() string { return TaintTolerationName }

// Filter reports the first untolerated hard taint, as upstream does.
func (TaintToleration) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	taints := ni.Node().Spec.Taints
	for i := range taints {
		t := &taints[i]
		if t.Effect != v1.TaintEffectNoSchedule && t.Effect != v1.TaintEffectNoExecute {
			continue
		}
		if !tolerates(pod.Spec.Tolerations, t) {
			return fw.NewStatus(fw.UnschedulableAndUnresolvable,
				fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value))
		}
	}
	return nil
}

// Score counts untolerated PreferNoSchedule taints; only tolerations with
// an empty or PreferNoSchedule effect count. NormalizeScore reverses it.
func (TaintToleration) Score(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	var tols []v1.Toleration
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == v1.TaintEffectPreferNoSchedule {
			tols = append(tols, t)
		}
	}
	var n int64
	taints := ni.Node().Spec.Taints
	for i := range taints {
		if taints[i].Effect == v1.TaintEffectPreferNoSchedule && !tolerates(tols, &taints[i]) {
			n++
		}
	}
	return n, nil
}

func (p TaintToleration) ScoreExtensions() fw.ScoreExtensions { return p }

// NormalizeScore: fewer intolerable taints is better.
func (TaintToleration) NormalizeScore(_ context.Context, _ *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	fw.DefaultNormalizeScore(fw.MaxNodeScore, true, scores)
	return nil
}
