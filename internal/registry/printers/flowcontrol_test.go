package printers

import (
	"testing"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
)

func TestFlowSchemaCells(t *testing.T) {
	fs := &flowcontrolv1.FlowSchema{ObjectMeta: meta5m("system-leader-election"), Spec: flowcontrolv1.FlowSchemaSpec{
		PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "leader-election"},
		MatchingPrecedence:         100,
		DistinguisherMethod:        &flowcontrolv1.FlowDistinguisherMethod{Type: flowcontrolv1.FlowDistinguisherMethodByUserType}},
		Status: flowcontrolv1.FlowSchemaStatus{Conditions: []flowcontrolv1.FlowSchemaCondition{
			{Type: flowcontrolv1.FlowSchemaConditionDangling, Status: flowcontrolv1.ConditionFalse}}}}
	checkCells(t, "flowcontrol.apiserver.k8s.io", "flowschemas", []cellCase{
		{"by user", fs, []interface{}{"system-leader-election", "leader-election", int64(100), "ByUser", "5m", "False"}},
		{"defaults", &flowcontrolv1.FlowSchema{ObjectMeta: meta5m("f")}, []interface{}{"f", "", int64(1000), "<none>", "5m", "?"}},
	})
}

func TestPriorityLevelCells(t *testing.T) {
	queued := &flowcontrolv1.PriorityLevelConfiguration{ObjectMeta: meta5m("workload-low"), Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
		Type: flowcontrolv1.PriorityLevelEnablementLimited, Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{
			NominalConcurrencyShares: ptr(int32(100)), LimitResponse: flowcontrolv1.LimitResponse{Type: flowcontrolv1.LimitResponseTypeQueue,
				Queuing: &flowcontrolv1.QueuingConfiguration{Queues: 128, HandSize: 6, QueueLengthLimit: 50}}}}}
	rejecting := &flowcontrolv1.PriorityLevelConfiguration{ObjectMeta: meta5m("r"), Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
		Type: flowcontrolv1.PriorityLevelEnablementLimited, Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{
			LimitResponse: flowcontrolv1.LimitResponse{Type: flowcontrolv1.LimitResponseTypeReject}}}}
	exempt := &flowcontrolv1.PriorityLevelConfiguration{ObjectMeta: meta5m("exempt"), Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
		Type: flowcontrolv1.PriorityLevelEnablementExempt}}
	checkCells(t, "flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", []cellCase{
		{"queued", queued, []interface{}{"workload-low", "Limited", int64(100), int64(128), int64(6), int64(50), "5m"}},
		{"rejecting, default shares", rejecting, []interface{}{"r", "Limited", int64(30), "<none>", "<none>", "<none>", "5m"}},
		{"exempt", exempt, []interface{}{"exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "5m"}},
	})
}
