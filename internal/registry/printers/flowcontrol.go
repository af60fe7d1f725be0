package printers

import (
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
)

func flowcontrolPrinters() map[string]Printer {
	return map[string]Printer{
		"flowschemas":                 {Columns: flowSchemaColumns, Cells: typed(flowSchemaCells)},
		"prioritylevelconfigurations": {Columns: priorityLevelColumns, Cells: typed(priorityLevelCells)},
	}
}

var flowSchemaColumns = columns(nameColumn(),
	column("PriorityLevel", "string", "Priority level the matched requests go to."),
	column("MatchingPrecedence", "string", "Order in which flow schemas are tried; lower first."),
	column("DistinguisherMethod", "string", "How matched requests are split into flows."),
	ageColumn(),
	column("MissingPL", "string", "Whether the priority level does not exist."))

func flowSchemaCells(fs *flowcontrolv1.FlowSchema, now time.Time) []interface{} {
	precedence := fs.Spec.MatchingPrecedence
	if precedence == 0 {
		precedence = 1000 // the default
	}
	method := "<none>"
	if fs.Spec.DistinguisherMethod != nil {
		method = string(fs.Spec.DistinguisherMethod.Type)
	}
	missing := "?"
	for _, c := range fs.Status.Conditions {
		if c.Type == flowcontrolv1.FlowSchemaConditionDangling {
			missing = string(c.Status)
			break
		}
	}
	return []interface{}{fs.Name, fs.Spec.PriorityLevelConfiguration.Name, int64(precedence), method, age(fs.CreationTimestamp, now), missing}
}

var priorityLevelColumns = columns(nameColumn(),
	column("Type", "string", "Whether the level is limited or exempt."),
	column("NominalConcurrencyShares", "string", "Share of the server's concurrency the level gets."),
	column("Queues", "string", "Number of queues."),
	column("HandSize", "string", "Queues each flow is shuffle-sharded over."),
	column("QueueLengthLimit", "string", "Requests a queue may hold."),
	ageColumn())

func priorityLevelCells(pl *flowcontrolv1.PriorityLevelConfiguration, now time.Time) []interface{} {
	var shares, queues, handSize, queueLength interface{} = "<none>", "<none>", "<none>", "<none>"
	if l := pl.Spec.Limited; l != nil {
		shares = int64(30) // the default
		if l.NominalConcurrencyShares != nil {
			shares = int64(*l.NominalConcurrencyShares)
		}
		if q := l.LimitResponse.Queuing; q != nil {
			queues, handSize, queueLength = orDefault(q.Queues, 64), orDefault(q.HandSize, 8), orDefault(q.QueueLengthLimit, 50)
		}
	}
	return []interface{}{pl.Name, string(pl.Spec.Type), shares, queues, handSize, queueLength, age(pl.CreationTimestamp, now)}
}

func orDefault(v, def int32) int64 {
	if v == 0 {
		return int64(def)
	}
	return int64(v)
}
