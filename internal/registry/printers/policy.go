package printers

import (
	"time"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func policyPrinters() map[string]Printer {
	return map[string]Printer{
		"poddisruptionbudgets": {Columns: pdbColumns, Cells: typed(pdbCells)},
	}
}

var pdbColumns = columns(nameColumn(),
	column("Min Available", "string", "Pods that must stay available."),
	column("Max Unavailable", "string", "Pods that may be unavailable."),
	column("Allowed Disruptions", "integer", "Pods that may be evicted right now."),
	ageColumn())

func pdbCells(pdb *policyv1.PodDisruptionBudget, now time.Time) []interface{} {
	return []interface{}{
		pdb.Name, intOrNA(pdb.Spec.MinAvailable), intOrNA(pdb.Spec.MaxUnavailable),
		int64(pdb.Status.DisruptionsAllowed), age(pdb.CreationTimestamp, now),
	}
}

func intOrNA(v *intstr.IntOrString) string {
	if v == nil {
		return "N/A"
	}
	return v.String()
}
