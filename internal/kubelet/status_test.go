package kubelet

import (
	"slices"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func statusFor(pod *v1.Pod, rp *runtimePod, waits map[string]waiting) v1.PodStatus {
	return podStatus(statusInput{
		pod: pod, rp: rp, runtimeName: "containerd", hostIPs: []string{"192.0.2.1"},
		ready: func(string) bool { return true }, started: func(string) bool { return true },
		waiting: waits, now: time.Unix(100, 0),
	})
}

func TestPodStatusPhases(t *testing.T) {
	app := &v1.Container{Name: "app", Image: "img"}
	for _, tc := range []struct {
		name   string
		pod    *v1.Pod
		rp     *runtimePod
		waits  map[string]waiting
		phase  v1.PodPhase
		ready  v1.ConditionStatus
		reason string // first container's waiting or terminated reason
	}{
		{name: "creating", pod: testPod(v1.RestartPolicyAlways, 0, "app"), rp: newRP().sandbox(true, 0).rp, phase: v1.PodPending, ready: v1.ConditionFalse, reason: "ContainerCreating"},
		{name: "running", pod: testPod(v1.RestartPolicyAlways, 0, "app"), rp: newRP().sandbox(true, 0).running("app", "c1", app).rp, phase: v1.PodRunning, ready: v1.ConditionTrue},
		{name: "crash loop", pod: testPod(v1.RestartPolicyAlways, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 1, 3).rp,
			waits: map[string]waiting{"app": {reasonCrashLoop, "back-off"}}, phase: v1.PodRunning, ready: v1.ConditionFalse, reason: "CrashLoopBackOff"},
		{name: "completed", pod: testPod(v1.RestartPolicyNever, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 0, 0).rp, phase: v1.PodSucceeded, ready: v1.ConditionFalse, reason: "Completed"},
		{name: "error", pod: testPod(v1.RestartPolicyNever, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 2, 0).rp, phase: v1.PodFailed, ready: v1.ConditionFalse, reason: "Error"},
		{name: "onfailure restarting", pod: testPod(v1.RestartPolicyOnFailure, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 2, 0).rp, phase: v1.PodRunning, ready: v1.ConditionFalse, reason: "Error"},
		{name: "init running", pod: testPod(v1.RestartPolicyAlways, 1, "app"), rp: newRP().sandbox(true, 0).running("inita", "i1", &v1.Container{Name: "inita", Image: "img"}).rp, phase: v1.PodPending, ready: v1.ConditionFalse, reason: "PodInitializing"},
		// Upstream's default waiting reason in a pod with init containers is
		// PodInitializing, also before the first init container and after the last.
		{name: "init not started", pod: testPod(v1.RestartPolicyAlways, 1, "app"), rp: newRP().sandbox(true, 0).rp, phase: v1.PodPending, ready: v1.ConditionFalse, reason: "PodInitializing"},
		{name: "init done, app not created", pod: testPod(v1.RestartPolicyAlways, 1, "app"), rp: newRP().sandbox(true, 0).exited("inita", "i1", 0, 0).rp, phase: v1.PodPending, ready: v1.ConditionFalse, reason: "PodInitializing"},
		{name: "image pull failing", pod: testPod(v1.RestartPolicyAlways, 0, "app"), rp: newRP().sandbox(true, 0).rp,
			waits: map[string]waiting{"app": {reasonImagePullBackOff, "Back-off pulling image"}}, phase: v1.PodPending, ready: v1.ConditionFalse, reason: "ImagePullBackOff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := statusFor(tc.pod, tc.rp, tc.waits)
			if st.Phase != tc.phase {
				t.Errorf("phase %s, want %s", st.Phase, tc.phase)
			}
			var ready v1.ConditionStatus
			for _, c := range st.Conditions {
				if c.Type == v1.PodReady {
					ready = c.Status
				}
			}
			if ready != tc.ready {
				t.Errorf("Ready %s, want %s", ready, tc.ready)
			}
			cs := st.ContainerStatuses[0]
			got := ""
			switch {
			case cs.State.Waiting != nil:
				got = cs.State.Waiting.Reason
			case cs.State.Terminated != nil:
				got = cs.State.Terminated.Reason
			}
			if got != tc.reason {
				t.Errorf("reason %q, want %q", got, tc.reason)
			}
			if st.HostIP != "192.0.2.1" || st.StartTime == nil {
				t.Errorf("hostIP/startTime: %+v", st)
			}
		})
	}
}

func TestPodStatusKeepsForeignConditions(t *testing.T) {
	pod := testPod(v1.RestartPolicyAlways, 0, "app")
	pod.Status.Conditions = []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionTrue}, {Type: v1.DisruptionTarget, Status: v1.ConditionTrue}}
	st := statusFor(pod, newRP().sandbox(true, 0).rp, nil)
	seen := map[v1.PodConditionType]bool{}
	for _, c := range st.Conditions {
		seen[c.Type] = true
	}
	for _, want := range []v1.PodConditionType{v1.PodScheduled, v1.DisruptionTarget, v1.PodReady, v1.ContainersReady, v1.PodInitialized, v1.PodReadyToStartContainers} {
		if !seen[want] {
			t.Errorf("condition %s missing from %v", want, st.Conditions)
		}
	}
}

// The kubelet's conditions replace its earlier ones (no duplicates), come
// in upstream's order with the others after them, and keep their
// transition time while their status stays.
func TestPodStatusConditionsOrderAndTransitions(t *testing.T) {
	pod := testPod(v1.RestartPolicyAlways, 0, "app")
	earlier := metav1.NewTime(time.Unix(50, 0))
	pod.Status.Conditions = []v1.PodCondition{
		{Type: v1.DisruptionTarget, Status: v1.ConditionTrue},
		{Type: v1.PodReady, Status: v1.ConditionFalse, LastTransitionTime: earlier},
		{Type: v1.PodScheduled, Status: v1.ConditionTrue},
		{Type: v1.PodInitialized, Status: v1.ConditionTrue, LastTransitionTime: earlier},
	}
	app := &v1.Container{Name: "app", Image: "img"}
	st := statusFor(pod, newRP().sandbox(true, 0).running("app", "c1", app).rp, nil)
	var types []v1.PodConditionType
	times := map[v1.PodConditionType]int64{}
	for _, c := range st.Conditions {
		types = append(types, c.Type)
		times[c.Type] = c.LastTransitionTime.Unix()
	}
	want := []v1.PodConditionType{v1.PodReadyToStartContainers, v1.PodInitialized, v1.PodReady, v1.ContainersReady, v1.PodScheduled, v1.DisruptionTarget}
	if !slices.Equal(types, want) {
		t.Fatalf("conditions %v, want %v", types, want)
	}
	// Initialized stayed True: its time is kept; Ready turned True: now.
	if times[v1.PodInitialized] != 50 || times[v1.PodReady] != 100 || times[v1.ContainersReady] != 100 {
		t.Errorf("transition times %v", times)
	}
}

// BenchmarkPodStatus: a running pod's status, computed on every sync.
func BenchmarkPodStatus(b *testing.B) {
	pod := testPod(v1.RestartPolicyAlways, 0, "app")
	pod.Status.Conditions = []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionTrue}}
	rp := newRP().sandbox(true, 0).running("app", "c1", &v1.Container{Name: "app", Image: "img"}).rp
	b.ReportAllocs()
	for b.Loop() {
		statusFor(pod, rp, nil)
	}
}
