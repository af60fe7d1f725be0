package printers

import (
	"testing"

	nodev1 "k8s.io/api/node/v1"
)

func TestRuntimeClassCells(t *testing.T) {
	checkCells(t, "node.k8s.io", "runtimeclasses", []cellCase{
		{"gvisor", &nodev1.RuntimeClass{ObjectMeta: meta5m("gvisor"), Handler: "runsc"}, []interface{}{"gvisor", "runsc", "5m"}},
	})
}
