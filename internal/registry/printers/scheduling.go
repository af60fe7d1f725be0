package printers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
)

func schedulingPrinters() map[string]Printer {
	return map[string]Printer{
		"priorityclasses": {Columns: priorityClassColumns, Cells: typed(priorityClassCells)},
	}
}

var priorityClassColumns = columns(nameColumn(),
	column("Value", "integer", "Priority of the pods of this class."),
	column("Global-Default", "boolean", "Whether pods without a class get this one."),
	ageColumn(),
	column("PreemptionPolicy", "string", "Whether pods of this class may preempt lower-priority pods."))

func priorityClassCells(pc *schedulingv1.PriorityClass, now time.Time) []interface{} {
	policy := corev1.PreemptLowerPriority // the default
	if pc.PreemptionPolicy != nil {
		policy = *pc.PreemptionPolicy
	}
	return []interface{}{pc.Name, int64(pc.Value), pc.GlobalDefault, age(pc.CreationTimestamp, now), string(policy)}
}
