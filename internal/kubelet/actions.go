package kubelet

import (
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// podActions is what one sync does to bring the runtime to the pod's spec.
type podActions struct {
	// killPod stops every container and the sandbox before anything else.
	killPod bool
	// createSandbox makes a new sandbox with the given attempt number.
	createSandbox bool
	attempt       uint32
	// startInit is the init container to start next, if any.
	startInit *v1.Container
	// start lists the app (and sidecar) containers to start, in spec order.
	start []*v1.Container
	// kill maps running container IDs to why they are killed.
	kill map[string]killReason
	// backoff maps containers waiting to restart to when they may.
	backoff map[string]time.Time
}

type killReason struct {
	name    string
	message string
}

// decider holds what computeActions needs besides the pod and its runtime
// state; both are functions so the decision stays free of I/O.
type decider struct {
	// backoffUntil says until when a container must wait before its next
	// restart (zero: it may restart now).
	backoffUntil func(name string, last *runtimeapi.ContainerStatus) time.Time
	// livenessFailed reports whether probes asked to restart this container.
	livenessFailed func(containerID string) bool
	// started reports whether StartContainer succeeded on this container:
	// one the runtime still shows as created is starting, not stuck (CRI
	// runtimes may report the new state late), and must not be replaced.
	started func(containerID string) bool
	now     time.Time
}

// isStarting: created, and started by this kubelet.
func (d decider) isStarting(cs *runtimeapi.ContainerStatus) bool {
	return cs.State == runtimeapi.ContainerState_CONTAINER_CREATED && d.started != nil && d.started(cs.Id)
}

// computeActions decides how to move the runtime toward the pod's spec, the
// way upstream's computePodActions does: a missing or dead sandbox means
// starting over (unless the restart policy says the pod is done), init
// containers run one at a time in order, then every app container runs and
// is restarted as the restart policy and the crash back-off allow.
func (d decider) computeActions(pod *v1.Pod, rp *runtimePod) podActions {
	a := podActions{kill: map[string]killReason{}, backoff: map[string]time.Time{}}
	sb := rp.sandbox()
	if sb == nil || sb.State != runtimeapi.PodSandboxState_SANDBOX_READY {
		d.freshSandbox(pod, rp, &a)
		return a
	}
	if !d.initContainers(pod, rp, &a) {
		return a
	}
	for i := range pod.Spec.Containers {
		d.appContainer(pod, &pod.Spec.Containers[i], rp, &a)
	}
	return a
}

// freshSandbox plans a new sandbox: everything old goes, init containers
// start from the first one.
func (d decider) freshSandbox(pod *v1.Pod, rp *runtimePod, a *podActions) {
	sb := rp.sandbox()
	a.killPod = !rp.empty()
	if sb != nil {
		a.attempt = sb.Metadata.Attempt + 1
		// A pod that never restarts and already ran is done: its sandbox is
		// not recreated.
		if pod.Spec.RestartPolicy == v1.RestartPolicyNever && len(rp.containers) > 0 {
			return
		}
	}
	var toStart []*v1.Container
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if last := rp.latest(c.Name); last != nil && succeeded(last) && pod.Spec.RestartPolicy == v1.RestartPolicyOnFailure {
			continue
		}
		toStart = append(toStart, c)
	}
	if len(toStart) == 0 {
		return
	}
	a.createSandbox = true
	if len(pod.Spec.InitContainers) > 0 {
		a.startInit = &pod.Spec.InitContainers[0]
		return
	}
	a.start = toStart
}

// initContainers walks the init containers in order; it reports whether all
// of them are done (sidecars: started) so app containers may run.
func (d decider) initContainers(pod *v1.Pod, rp *runtimePod, a *podActions) bool {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		last := rp.latest(c.Name)
		if isSidecar(c) {
			if last == nil {
				a.startInit = c
				return false
			}
			d.appContainer(pod, c, rp, a)
			if last.State != runtimeapi.ContainerState_CONTAINER_RUNNING && !everRan(rp, c.Name) {
				return false
			}
			continue
		}
		switch {
		case last == nil:
			a.startInit = c
			return false
		case last.State == runtimeapi.ContainerState_CONTAINER_RUNNING, d.isStarting(last):
			return false
		case succeeded(last):
			continue
		case last.State == runtimeapi.ContainerState_CONTAINER_EXITED:
			if pod.Spec.RestartPolicy == v1.RestartPolicyNever {
				// The pod failed: nothing more runs.
				return false
			}
			if until := d.backoffUntil(c.Name, last); until.After(d.now) {
				a.backoff[c.Name] = until
				return false
			}
			a.startInit = c
			return false
		default: // created but never started: start over
			a.kill[last.Id] = killReason{c.Name, "init container was not started"}
			a.startInit = c
			return false
		}
	}
	return true
}

// appContainer decides for one long-running container.
func (d decider) appContainer(pod *v1.Pod, c *v1.Container, rp *runtimePod, a *podActions) {
	last := rp.latest(c.Name)
	switch {
	case last == nil:
		a.start = append(a.start, c)
	case last.State == runtimeapi.ContainerState_CONTAINER_RUNNING:
		switch {
		case d.livenessFailed(last.Id):
			a.kill[last.Id] = killReason{c.Name, "failed liveness probe"}
		case containerHash(c) != last.Annotations[annotationHash]:
			a.kill[last.Id] = killReason{c.Name, "definition changed"}
		default:
			return
		}
		if restartPolicy(pod, c) != v1.RestartPolicyNever {
			a.start = append(a.start, c)
		}
	case last.State == runtimeapi.ContainerState_CONTAINER_EXITED:
		if !shouldRestart(restartPolicy(pod, c), last) {
			return
		}
		if until := d.backoffUntil(c.Name, last); until.After(d.now) {
			a.backoff[c.Name] = until
			return
		}
		a.start = append(a.start, c)
	case d.isStarting(last):
		// Wait for the runtime to report it running.
	default: // created but never started, or unknown: replace it
		a.kill[last.Id] = killReason{c.Name, "container was not started"}
		a.start = append(a.start, c)
	}
}

// restartPolicy is the pod's, except sidecars always restart.
func restartPolicy(pod *v1.Pod, c *v1.Container) v1.RestartPolicy {
	if isSidecar(c) {
		return v1.RestartPolicyAlways
	}
	return pod.Spec.RestartPolicy
}

func shouldRestart(p v1.RestartPolicy, last *runtimeapi.ContainerStatus) bool {
	switch p {
	case v1.RestartPolicyAlways:
		return true
	case v1.RestartPolicyOnFailure:
		return last.ExitCode != 0
	}
	return false
}

func succeeded(cs *runtimeapi.ContainerStatus) bool {
	return cs.State == runtimeapi.ContainerState_CONTAINER_EXITED && cs.ExitCode == 0
}

func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}

// everRan reports whether any instance of the container got to run.
func everRan(rp *runtimePod, name string) bool {
	for _, cs := range rp.containers[name] {
		if cs.StartedAt != 0 {
			return true
		}
	}
	return false
}
