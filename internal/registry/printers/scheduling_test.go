package printers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
)

func TestPriorityClassCells(t *testing.T) {
	never := corev1.PreemptNever
	checkCells(t, "scheduling.k8s.io", "priorityclasses", []cellCase{
		{"critical", &schedulingv1.PriorityClass{ObjectMeta: meta5m("system-node-critical"), Value: 2000001000},
			[]interface{}{"system-node-critical", int64(2000001000), false, "5m", "PreemptLowerPriority"}},
		{"default, never preempt", &schedulingv1.PriorityClass{ObjectMeta: meta5m("batch"), Value: -5, GlobalDefault: true,
			PreemptionPolicy: &never}, []interface{}{"batch", int64(-5), true, "5m", "Never"}},
	})
}
