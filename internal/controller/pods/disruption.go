package pods

import (
	"encoding/json"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reasons of the DisruptionTarget condition controllers add to a pod
// before deleting it, as upstream's.
const (
	DeletionByTaintManager = "DeletionByTaintManager"
	DeletionByPodGC        = "DeletionByPodGC"
)

// DisruptionPatch is a strategic merge patch for pods/status that sets the
// condition DisruptionTarget=True (reason, message) and, when phase is not
// empty, the phase. The pod's UID is a precondition: a pod of the same name
// created since is left alone.
func DisruptionPatch(p *v1.Pod, reason, message string, phase v1.PodPhase, now time.Time) []byte {
	cond := v1.PodCondition{
		Type: v1.DisruptionTarget, Status: v1.ConditionTrue, Reason: reason, Message: message,
		LastTransitionTime: metav1.NewTime(now),
	}
	status := map[string]any{"conditions": []v1.PodCondition{cond}}
	if phase != "" {
		status["phase"] = phase
	}
	b, _ := json.Marshal(map[string]any{"metadata": map[string]any{"uid": p.UID}, "status": status})
	return b
}
