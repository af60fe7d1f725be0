package printers

import (
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPodDisruptionBudgetCells(t *testing.T) {
	two, half := intstr.FromInt32(2), intstr.FromString("50%")
	checkCells(t, "policy", "poddisruptionbudgets", []cellCase{
		{"min available", &policyv1.PodDisruptionBudget{ObjectMeta: meta5m("web"),
			Spec:   policyv1.PodDisruptionBudgetSpec{MinAvailable: &two},
			Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1}},
			[]interface{}{"web", "2", "N/A", int64(1), "5m"}},
		{"max unavailable", &policyv1.PodDisruptionBudget{ObjectMeta: meta5m("db"),
			Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &half}},
			[]interface{}{"db", "N/A", "50%", int64(0), "5m"}},
	})
}
