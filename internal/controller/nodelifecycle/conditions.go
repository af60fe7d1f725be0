package nodelifecycle

import (
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The conditions the kubelet owns, which the controller sets Unknown when
// the kubelet stops posting them.
var kubeletConditions = []v1.NodeConditionType{v1.NodeReady, v1.NodeMemoryPressure, v1.NodeDiskPressure, v1.NodePIDPressure}

// Upstream's reasons and messages.
const (
	reasonUnknown      = "NodeStatusUnknown"
	messageUnknown     = "Kubelet stopped posting node status."
	reasonNeverUpdated = "NodeStatusNeverUpdated"
	messageNever       = "Kubelet never posted node status."
)

// markUnknown is the node's conditions with the kubelet's ones set
// Unknown (those it never posted added as Unknown), and whether anything
// changed. Heartbeat times are kept: they say when the kubelet last spoke.
func markUnknown(node *v1.Node, now time.Time) ([]v1.NodeCondition, bool) {
	conds := append([]v1.NodeCondition(nil), node.Status.Conditions...)
	changed := false
	for _, t := range kubeletConditions {
		i := indexOf(conds, t)
		switch {
		case i < 0:
			conds = append(conds, v1.NodeCondition{
				Type: t, Status: v1.ConditionUnknown, Reason: reasonNeverUpdated, Message: messageNever,
				LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: metav1.NewTime(now),
			})
			changed = true
		case conds[i].Status != v1.ConditionUnknown:
			conds[i].Status, conds[i].Reason, conds[i].Message = v1.ConditionUnknown, reasonUnknown, messageUnknown
			conds[i].LastTransitionTime = metav1.NewTime(now)
			changed = true
		}
	}
	return conds, changed
}

func indexOf(conds []v1.NodeCondition, t v1.NodeConditionType) int {
	for i := range conds {
		if conds[i].Type == t {
			return i
		}
	}
	return -1
}
