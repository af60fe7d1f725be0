package kubelet

import (
	"encoding/json"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A status the API stored (times in whole seconds) must compare equal to
// the same status computed again at full precision, or every sync would
// write a status that changed nothing.
func TestTruncateTimesMatchesStoredStatus(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 12, 2, 10, 0, 0, 123456789, time.UTC))
	st := v1.PodStatus{
		Phase:      v1.PodRunning,
		StartTime:  &at,
		Conditions: []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: at}},
		ContainerStatuses: []v1.ContainerStatus{{
			Name:                 "app",
			State:                v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: at}},
			LastTerminationState: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{StartedAt: at, FinishedAt: at}},
		}},
		InitContainerStatuses: []v1.ContainerStatus{{
			Name:  "init",
			State: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{StartedAt: at, FinishedAt: at}},
		}},
	}
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var stored v1.PodStatus
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	if equality.Semantic.DeepEqual(stored, st) {
		t.Fatal("test premise: the stored status should have lost sub-second precision")
	}
	truncateTimes(&st)
	if !equality.Semantic.DeepEqual(stored, st) {
		t.Fatalf("truncated status differs from the stored one:\nstored %+v\ncomputed %+v", stored, st)
	}
}
