package kubelet

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// waiting is why a container is not running, when the kubelet knows better
// than the runtime (an image pull failing, a crash back-off).
type waiting struct{ reason, message string }

// statusInput is everything podStatus reads; it does no I/O.
type statusInput struct {
	pod         *v1.Pod
	rp          *runtimePod
	runtimeName string // prefix of container IDs: containerd://…
	hostIPs     []string
	ready       func(containerID string) bool
	started     func(containerID string) bool
	waiting     map[string]waiting // by container name
	terminating bool               // the pod is being killed
	now         time.Time
}

// podStatus computes the pod's status as upstream's kubelet reports it.
func podStatus(in statusInput) v1.PodStatus {
	pod := in.pod
	old := pod.Status
	st := v1.PodStatus{
		QOSClass:          old.QOSClass,
		NominatedNodeName: old.NominatedNodeName,
		StartTime:         old.StartTime,
		Resize:            old.Resize,
	}
	if st.StartTime == nil {
		t := metav1.NewTime(in.now)
		st.StartTime = &t
	}
	for _, ip := range in.hostIPs {
		st.HostIPs = append(st.HostIPs, v1.HostIP{IP: ip})
	}
	if len(in.hostIPs) > 0 {
		st.HostIP = in.hostIPs[0]
	}
	if sb := in.rp.sandbox(); sb != nil && sb.Network != nil && sb.Network.Ip != "" {
		st.PodIP = sb.Network.Ip
		st.PodIPs = []v1.PodIP{{IP: sb.Network.Ip}}
		for _, ip := range sb.Network.AdditionalIps {
			st.PodIPs = append(st.PodIPs, v1.PodIP{IP: ip.Ip})
		}
	} else if pod.Spec.HostNetwork && len(in.hostIPs) > 0 {
		st.PodIP = in.hostIPs[0]
		for _, ip := range in.hostIPs {
			st.PodIPs = append(st.PodIPs, v1.PodIP{IP: ip})
		}
	} else if in.terminating || isTerminal(old.Phase) {
		st.PodIP, st.PodIPs = old.PodIP, old.PodIPs
	}
	initDone := true
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := in.containerStatus(c)
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		if isSidecar(c) {
			if cs.Started == nil || !*cs.Started {
				initDone = false
			}
		} else if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			initDone = false
		}
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cs := in.containerStatus(c)
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	st.Phase = podPhase(pod, st, initDone)
	if isTerminal(old.Phase) {
		st.Phase = old.Phase // terminal phases never change back
	}
	st.Conditions = conditions(in, st, initDone)
	if st.Phase == v1.PodFailed && old.Reason != "" {
		st.Reason, st.Message = old.Reason, old.Message
	}
	return st
}

// containerStatus is one container's entry. A container not created yet
// waits with upstream's default reason: PodInitializing in a pod with init
// containers (init and app containers alike, before and after the init
// containers ran), ContainerCreating otherwise.
func (in statusInput) containerStatus(c *v1.Container) v1.ContainerStatus {
	cs := v1.ContainerStatus{Name: c.Name, Image: c.Image}
	falseV := false
	cs.Started = &falseV
	last := in.rp.latest(c.Name)
	if last == nil {
		switch w, ok := in.waiting[c.Name]; {
		case ok:
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: w.reason, Message: w.message}
		case len(in.pod.Spec.InitContainers) > 0:
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "PodInitializing"}
		default:
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "ContainerCreating"}
		}
		if prev := in.oldStatus(c.Name); prev != nil && in.terminating {
			// Keep what was reported while the pod goes away.
			cs.State = prev.State
		}
		return cs
	}
	cs.RestartCount = restartCount(last)
	cs.ImageID = last.ImageRef
	if cs.ImageID == "" {
		cs.ImageID = last.GetImage().GetImage()
	}
	cs.ContainerID = in.runtimeName + "://" + last.Id
	cs.State = runtimeState(last)
	if prev := in.rp.previous(c.Name); prev != nil {
		cs.LastTerminationState = runtimeState(prev)
	} else if o := in.oldStatus(c.Name); o != nil && o.LastTerminationState.Terminated != nil {
		cs.LastTerminationState = o.LastTerminationState
	}
	if cs.State.Running != nil {
		started := in.started(last.Id)
		cs.Started = &started
		cs.Ready = started && in.ready(last.Id)
	}
	if w, ok := in.waiting[c.Name]; ok && cs.State.Running == nil {
		// The runtime's last instance exited; the kubelet is holding the
		// next one back (CrashLoopBackOff) or failing to start it.
		cs.LastTerminationState = cs.State
		cs.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: w.reason, Message: w.message}}
	}
	return cs
}

func (in statusInput) oldStatus(name string) *v1.ContainerStatus {
	for _, list := range [][]v1.ContainerStatus{in.pod.Status.ContainerStatuses, in.pod.Status.InitContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// runtimeState turns a CRI container status into the API's state.
func runtimeState(cs *runtimeapi.ContainerStatus) v1.ContainerState {
	switch cs.State {
	case runtimeapi.ContainerState_CONTAINER_RUNNING:
		return v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: nanoTime(cs.StartedAt)}}
	case runtimeapi.ContainerState_CONTAINER_EXITED:
		reason := cs.Reason
		if reason == "" {
			reason = "Error"
			if cs.ExitCode == 0 {
				reason = "Completed"
			}
		}
		return v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
			ExitCode: cs.ExitCode, Reason: reason, Message: cs.Message,
			StartedAt: nanoTime(cs.StartedAt), FinishedAt: nanoTime(cs.FinishedAt),
			ContainerID: "", // filled by the caller where upstream does
		}}
	}
	return v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"}}
}

func nanoTime(ns int64) metav1.Time {
	if ns == 0 {
		return metav1.Time{}
	}
	return metav1.NewTime(time.Unix(0, ns))
}

// podPhase is upstream's getPhase over the computed container statuses.
func podPhase(pod *v1.Pod, st v1.PodStatus, initDone bool) v1.PodPhase {
	if !initDone {
		for i, cs := range st.InitContainerStatuses {
			if isSidecar(&pod.Spec.InitContainers[i]) {
				continue
			}
			if t := cs.State.Terminated; t != nil && t.ExitCode != 0 && pod.Spec.RestartPolicy == v1.RestartPolicyNever {
				return v1.PodFailed
			}
		}
		return v1.PodPending
	}
	var running, waitingN, stopped, succeededN int
	for _, cs := range st.ContainerStatuses {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeededN++
			}
		case cs.State.Waiting != nil:
			if cs.LastTerminationState.Terminated != nil {
				stopped++
			} else {
				waitingN++
			}
		}
	}
	switch {
	case waitingN > 0:
		return v1.PodPending
	case running > 0:
		return v1.PodRunning
	case stopped > 0:
		switch {
		case pod.Spec.RestartPolicy == v1.RestartPolicyAlways:
			return v1.PodRunning
		case stopped == succeededN:
			return v1.PodSucceeded
		case pod.Spec.RestartPolicy == v1.RestartPolicyNever:
			return v1.PodFailed
		default:
			return v1.PodRunning
		}
	}
	return v1.PodPending
}

func isTerminal(p v1.PodPhase) bool { return p == v1.PodSucceeded || p == v1.PodFailed }

// conditions are the kubelet-owned conditions; the others (PodScheduled,
// DisruptionTarget, readiness gates) are kept as they are.
func conditions(in statusInput, st v1.PodStatus, initDone bool) []v1.PodCondition {
	pod := in.pod
	sb := in.rp.sandbox()
	sandboxReady := sb != nil && sb.State == runtimeapi.PodSandboxState_SANDBOX_READY
	// The kubelet's own conditions, in the order they are added below.
	var own [4]v1.PodCondition
	own[0] = boolCond(v1.PodReadyToStartContainers, sandboxReady, "", "")
	if initDone {
		own[1] = boolCond(v1.PodInitialized, true, "", "")
	} else {
		own[1] = boolCond(v1.PodInitialized, false, "ContainersNotInitialized",
			fmt.Sprintf("containers with incomplete status: %s", names(unfinishedInit(pod, st))))
	}
	var notReady []string
	for _, cs := range st.ContainerStatuses {
		if !cs.Ready {
			notReady = append(notReady, cs.Name)
		}
	}
	for i, cs := range st.InitContainerStatuses {
		if isSidecar(&pod.Spec.InitContainers[i]) && !cs.Ready {
			notReady = append(notReady, cs.Name)
		}
	}
	switch {
	case isTerminal(st.Phase):
		own[2] = boolCond(v1.PodReady, false, "PodCompleted", "")
		own[3] = boolCond(v1.ContainersReady, false, "PodCompleted", "")
	case len(notReady) > 0:
		msg := "containers with unready status: " + names(notReady)
		own[2] = boolCond(v1.PodReady, false, "ContainersNotReady", msg)
		own[3] = boolCond(v1.ContainersReady, false, "ContainersNotReady", msg)
	default:
		ready := boolCond(v1.PodReady, true, "", "")
		if gates := unmetGates(pod); len(gates) > 0 {
			ready = boolCond(v1.PodReady, false, "ReadinessGatesNotReady", "corresponding condition of pod readiness gate "+gates+" does not exist.")
		}
		own[2] = ready
		own[3] = boolCond(v1.ContainersReady, true, "", "")
	}
	out := make([]v1.PodCondition, 0, len(pod.Status.Conditions)+len(own))
	for _, c := range pod.Status.Conditions {
		if !slices.ContainsFunc(own[:], func(o v1.PodCondition) bool { return o.Type == c.Type }) {
			out = append(out, c)
		}
	}
	for _, c := range own {
		c.LastTransitionTime = metav1.NewTime(in.now)
		for _, o := range pod.Status.Conditions {
			if o.Type == c.Type && o.Status == c.Status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b v1.PodCondition) int { return cmp.Compare(condOrder(a.Type), condOrder(b.Type)) })
	return out
}

// condOrder is the order kubectl describe shows conditions in upstream.
func condOrder(t v1.PodConditionType) int {
	switch t {
	case v1.PodReadyToStartContainers:
		return 0
	case v1.PodInitialized:
		return 1
	case v1.PodReady:
		return 2
	case v1.ContainersReady:
		return 3
	case v1.PodScheduled:
		return 4
	}
	return 5
}

func boolCond(t v1.PodConditionType, ok bool, reason, msg string) v1.PodCondition {
	s := v1.ConditionFalse
	if ok {
		s = v1.ConditionTrue
	}
	return v1.PodCondition{Type: t, Status: s, Reason: reason, Message: msg}
}

func unfinishedInit(pod *v1.Pod, st v1.PodStatus) []string {
	var out []string
	for i, cs := range st.InitContainerStatuses {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			if cs.Started == nil || !*cs.Started {
				out = append(out, cs.Name)
			}
			continue
		}
		if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			out = append(out, cs.Name)
		}
	}
	return out
}

func unmetGates(pod *v1.Pod) string {
	var missing []string
	for _, g := range pod.Spec.ReadinessGates {
		ok := false
		for _, c := range pod.Status.Conditions {
			if c.Type == g.ConditionType && c.Status == v1.ConditionTrue {
				ok = true
			}
		}
		if !ok {
			missing = append(missing, string(g.ConditionType))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return `"` + strings.Join(missing, `", "`) + `"`
}

func names(n []string) string { return "[" + strings.Join(n, " ") + "]" }
