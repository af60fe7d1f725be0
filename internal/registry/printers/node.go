package printers

import (
	"time"

	nodev1 "k8s.io/api/node/v1"
)

func nodePrinters() map[string]Printer {
	return map[string]Printer{
		"runtimeclasses": {Columns: runtimeClassColumns, Cells: typed(runtimeClassCells)},
	}
}

var runtimeClassColumns = columns(nameColumn(),
	column("Handler", "string", "Runtime handler the class selects."),
	ageColumn())

func runtimeClassCells(rc *nodev1.RuntimeClass, now time.Time) []interface{} {
	return []interface{}{rc.Name, rc.Handler, age(rc.CreationTimestamp, now)}
}
