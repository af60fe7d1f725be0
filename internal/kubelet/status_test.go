package kubelet

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
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
