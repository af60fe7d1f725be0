package kubelet

import (
	"encoding/json"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// statusPatchViaJSON is statusPatch as written first, through JSON text:
// the reference the map comparison must match byte for byte.
func statusPatchViaJSON(uid types.UID, base, st v1.PodStatus) ([]byte, error) {
	oldJSON, err := json.Marshal(v1.Pod{Status: base})
	if err != nil {
		return nil, err
	}
	newJSON, err := json.Marshal(v1.Pod{Status: st})
	if err != nil {
		return nil, err
	}
	diff, err := strategicpatch.CreateTwoWayMergePatch(oldJSON, newJSON, v1.Pod{})
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(diff, &m); err != nil {
		return nil, err
	}
	m["metadata"] = map[string]any{"uid": uid}
	return json.Marshal(m)
}

// statusSteps is a pod's life as its kubelet reports it: pending, two
// containers starting, running and ready, one restarting, failed, and a
// status with fields cleared.
func statusSteps() []v1.PodStatus {
	t0 := metav1.NewTime(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(3 * time.Second))
	cond := func(typ v1.PodConditionType, s v1.ConditionStatus, at metav1.Time) v1.PodCondition {
		return v1.PodCondition{Type: typ, Status: s, LastTransitionTime: at}
	}
	waiting := v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	running := v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: t1}}
	pending := v1.PodStatus{Phase: v1.PodPending, StartTime: &t0, HostIP: "10.0.0.2", QOSClass: v1.PodQOSBestEffort,
		Conditions:        []v1.PodCondition{cond(v1.PodScheduled, v1.ConditionTrue, t0), cond(v1.PodInitialized, v1.ConditionTrue, t0), cond(v1.PodReady, v1.ConditionFalse, t0)},
		ContainerStatuses: []v1.ContainerStatus{{Name: "a", Image: "img:1", State: waiting}, {Name: "b", Image: "img:2", State: waiting}}}
	ready := *pending.DeepCopy()
	ready.Phase, ready.PodIP, ready.PodIPs = v1.PodRunning, "10.244.0.7", []v1.PodIP{{IP: "10.244.0.7"}}
	ready.Conditions[2] = cond(v1.PodReady, v1.ConditionTrue, t1)
	for i := range ready.ContainerStatuses {
		c := &ready.ContainerStatuses[i]
		c.State, c.Ready, c.ImageID, c.ContainerID = running, true, "sha256:abc", "containerd://"+c.Name
	}
	restarted := *ready.DeepCopy()
	restarted.Conditions[2] = cond(v1.PodReady, v1.ConditionFalse, t1)
	restarted.ContainerStatuses[1].RestartCount = 1
	restarted.ContainerStatuses[1].Ready = false
	restarted.ContainerStatuses[1].LastTerminationState = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: t0, FinishedAt: t1}}
	failed := *restarted.DeepCopy()
	failed.Phase, failed.Message, failed.Reason = v1.PodFailed, "evicted", "Evicted"
	cleared := *failed.DeepCopy()
	cleared.ContainerStatuses, cleared.PodIPs, cleared.PodIP = cleared.ContainerStatuses[:1], nil, ""
	cleared.Conditions = cleared.Conditions[1:]
	return []v1.PodStatus{{}, pending, ready, restarted, failed, cleared, {}}
}

func TestStatusPatchMatchesJSONDiff(t *testing.T) {
	steps := statusSteps()
	for i := range steps {
		for j := range steps {
			got, err := statusPatch("uid-1", steps[i], steps[j])
			if err != nil {
				t.Fatal(err)
			}
			want, err := statusPatchViaJSON("uid-1", steps[i], steps[j])
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("step %d -> %d:\n got %s\nwant %s", i, j, got, want)
			}
		}
	}
}

// A kubelet's status write of a pod turning ready.
func BenchmarkStatusPatch(b *testing.B) {
	steps := statusSteps()
	for _, c := range []struct {
		name string
		f    func(types.UID, v1.PodStatus, v1.PodStatus) ([]byte, error)
	}{{"maps", statusPatch}, {"json", statusPatchViaJSON}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.f("uid-1", steps[1], steps[2]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
