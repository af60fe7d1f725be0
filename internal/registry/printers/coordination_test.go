package printers

import (
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
)

func TestLeaseCells(t *testing.T) {
	checkCells(t, "coordination.k8s.io", "leases", []cellCase{
		{"held", &coordinationv1.Lease{ObjectMeta: meta5m("kube-scheduler"),
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("cp-1_6f9c")}}, []interface{}{"kube-scheduler", "cp-1_6f9c", "5m"}},
		{"free", &coordinationv1.Lease{ObjectMeta: meta5m("x")}, []interface{}{"x", "", "5m"}},
	})
}
