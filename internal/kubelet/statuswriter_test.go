package kubelet

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
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

func statusWriterKubelet(t *testing.T, pod *v1.Pod) (*Kubelet, *fake.Clientset) {
	client := fake.NewSimpleClientset(pod)
	return &Kubelet{client: client, log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}, client
}

func cond(t v1.PodConditionType, s v1.ConditionStatus) v1.PodCondition {
	return v1.PodCondition{Type: t, Status: s}
}

// A condition another component added after the kubelet's copy was taken
// survives the kubelet's status write, and a field the kubelet cleared is
// cleared in the API.
func TestWriteStatusKeepsOthersConditions(t *testing.T) {
	stored := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", ResourceVersion: "5"},
		Status: v1.PodStatus{Phase: v1.PodRunning, Reason: "Old", Conditions: []v1.PodCondition{
			cond(v1.PodReady, v1.ConditionTrue), cond(v1.DisruptionTarget, v1.ConditionTrue)}},
	}
	k, client := statusWriterKubelet(t, stored)
	seen := stored.DeepCopy() // the informer's copy: without DisruptionTarget yet
	seen.Status.Conditions = seen.Status.Conditions[:1]
	seen.ResourceVersion = "4"
	k.writeStatus(context.Background(), &podWorker{}, seen, v1.PodStatus{Phase: v1.PodRunning, Conditions: []v1.PodCondition{cond(v1.PodReady, v1.ConditionFalse)}})
	got, err := client.CoreV1().Pods("ns").Get(context.Background(), "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[v1.PodConditionType]v1.ConditionStatus{v1.PodReady: v1.ConditionFalse, v1.DisruptionTarget: v1.ConditionTrue}
	if len(got.Status.Conditions) != 2 {
		t.Fatalf("conditions %+v, want Ready=False and DisruptionTarget=True", got.Status.Conditions)
	}
	for _, c := range got.Status.Conditions {
		if want[c.Type] != c.Status {
			t.Errorf("condition %s=%s, want %s", c.Type, c.Status, want[c.Type])
		}
	}
	if got.Status.Reason != "" {
		t.Errorf("reason %q, want it cleared", got.Status.Reason)
	}
}

// After someone else changed the status (the node controller marking the
// pod not Ready), the kubelet writes its status again even though it
// equals what it wrote last.
func TestWriteStatusRestoresAfterOthersChange(t *testing.T) {
	ready := v1.PodStatus{Phase: v1.PodRunning, Conditions: []v1.PodCondition{cond(v1.PodReady, v1.ConditionTrue)}}
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", ResourceVersion: "7"}}
	pod.Status = *ready.DeepCopy()
	pod.Status.Conditions[0].Status = v1.ConditionFalse // changed by the node controller
	k, client := statusWriterKubelet(t, pod)
	w := &podWorker{lastStatus: ready.DeepCopy(), lastStatusFrom: "6"}
	k.writeStatus(context.Background(), w, pod, *ready.DeepCopy())
	got, err := client.CoreV1().Pods("ns").Get(context.Background(), "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Conditions[0].Status != v1.ConditionTrue {
		t.Fatalf("Ready=%s after the kubelet's write, want True", got.Status.Conditions[0].Status)
	}
	// The same copy again: the write is not repeated.
	before := len(client.Actions())
	k.writeStatus(context.Background(), w, pod, *ready.DeepCopy())
	if n := len(client.Actions()) - before; n != 0 {
		t.Errorf("%d API calls for a status already written from this copy, want 0", n)
	}
}
