package nodelifecycle

import (
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// conditionTaints maps a node condition's status to the NoSchedule taint
// it implies (upstream's TaintNodesByCondition).
var conditionTaints = map[v1.NodeConditionType]map[v1.ConditionStatus]string{
	v1.NodeReady:              {v1.ConditionFalse: v1.TaintNodeNotReady, v1.ConditionUnknown: v1.TaintNodeUnreachable},
	v1.NodeMemoryPressure:     {v1.ConditionTrue: v1.TaintNodeMemoryPressure},
	v1.NodeDiskPressure:       {v1.ConditionTrue: v1.TaintNodeDiskPressure},
	v1.NodePIDPressure:        {v1.ConditionTrue: v1.TaintNodePIDPressure},
	v1.NodeNetworkUnavailable: {v1.ConditionTrue: v1.TaintNodeNetworkUnavailable},
}

// managed reports a taint this controller adds and removes.
func managed(t v1.Taint) bool {
	switch t.Effect {
	case v1.TaintEffectNoExecute:
		return t.Key == v1.TaintNodeNotReady || t.Key == v1.TaintNodeUnreachable
	case v1.TaintEffectNoSchedule:
		switch t.Key {
		case v1.TaintNodeNotReady, v1.TaintNodeUnreachable, v1.TaintNodeMemoryPressure, v1.TaintNodeDiskPressure,
			v1.TaintNodePIDPressure, v1.TaintNodeNetworkUnavailable, v1.TaintNodeUnschedulable:
			return true
		}
	}
	return false
}

// wantedTaints is the managed taints the node's state calls for: a
// NoSchedule taint per bad condition and for spec.unschedulable, and a
// NoExecute taint when Ready is False (not-ready) or Unknown (unreachable).
func wantedTaints(node *v1.Node) []v1.Taint {
	var out []v1.Taint
	for _, c := range node.Status.Conditions {
		if key, ok := conditionTaints[c.Type][c.Status]; ok {
			out = append(out, v1.Taint{Key: key, Effect: v1.TaintEffectNoSchedule})
		}
	}
	if node.Spec.Unschedulable {
		out = append(out, v1.Taint{Key: v1.TaintNodeUnschedulable, Effect: v1.TaintEffectNoSchedule})
	}
	switch readyCondition := condition(node, v1.NodeReady); {
	case readyCondition == nil:
	case readyCondition.Status == v1.ConditionFalse:
		out = append(out, v1.Taint{Key: v1.TaintNodeNotReady, Effect: v1.TaintEffectNoExecute})
	case readyCondition.Status == v1.ConditionUnknown:
		out = append(out, v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute})
	}
	return out
}

// syncTaints is the node's taints with the managed ones brought to want:
// others' taints and managed taints already present are kept as they are
// (with their timeAdded); new NoExecute taints are stamped now, which is
// when pods' tolerationSeconds start to run.
func syncTaints(have, want []v1.Taint, now time.Time) ([]v1.Taint, bool) {
	out := make([]v1.Taint, 0, len(have)+len(want))
	changed := false
	for _, t := range have {
		if managed(t) && !contains(want, t) {
			changed = true
			continue
		}
		out = append(out, t)
	}
	for _, t := range want {
		if contains(have, t) {
			continue
		}
		if t.Effect == v1.TaintEffectNoExecute {
			at := metav1.NewTime(now)
			t.TimeAdded = &at
		}
		out = append(out, t)
		changed = true
	}
	return out, changed
}

// contains reports a taint of the same key and effect.
func contains(ts []v1.Taint, t v1.Taint) bool {
	for _, x := range ts {
		if x.Key == t.Key && x.Effect == t.Effect {
			return true
		}
	}
	return false
}

// noExecute is the node's NoExecute taints (all of them, not only ours:
// the taint eviction controller honours any).
func noExecute(node *v1.Node) []v1.Taint {
	var out []v1.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == v1.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}
