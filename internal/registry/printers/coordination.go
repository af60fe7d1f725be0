package printers

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
)

func coordinationPrinters() map[string]Printer {
	return map[string]Printer{
		"leases": {Columns: leaseColumns, Cells: typed(leaseCells)},
	}
}

var leaseColumns = columns(nameColumn(),
	column("Holder", "string", "Identity of the lease's current holder."),
	ageColumn())

func leaseCells(l *coordinationv1.Lease, now time.Time) []interface{} {
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return []interface{}{l.Name, holder, age(l.CreationTimestamp, now)}
}
