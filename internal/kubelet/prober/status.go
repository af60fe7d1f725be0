package prober

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Ready reports whether a container instance is ready: it is running, its
// startup probe (if any) has succeeded, and its readiness probe (if any) has
// succeeded at least successThreshold times in a row since it last failed.
// Unknown pods and containers are not ready.
func (m *Manager) Ready(uid types.UID, containerID string) bool {
	c, ok := m.runningContainer(uid, containerID)
	if !ok {
		return false
	}
	return m.passed(uid, c.Name, startup, containerID, true) &&
		m.passed(uid, c.Name, readiness, containerID, true)
}

// Started reports whether a container instance is running and has passed its
// startup probe, or has none.
func (m *Manager) Started(uid types.UID, containerID string) bool {
	c, ok := m.runningContainer(uid, containerID)
	if !ok {
		return false
	}
	return m.passed(uid, c.Name, startup, containerID, true)
}

// LivenessFailed reports whether a running container instance has failed
// its liveness or startup probe and must be killed, with the message for the
// kill. OnLivenessFailure announces the same thing once; this lets a
// level-triggered kubelet sync loop ask again, e.g. after a failed kill.
func (m *Manager) LivenessFailed(uid types.UID, containerID string) (message string, failed bool) {
	c, ok := m.runningContainer(uid, containerID)
	if !ok {
		return "", false
	}
	for _, k := range []probeKind{liveness, startup} {
		if r, ok := m.results.get(resultKey{k, containerID}); ok && r == Failure {
			return killMessage(m.pod(uid), c, k), true
		}
	}
	return "", false
}

// passed reports whether the probe of kind k has succeeded for the instance.
// A container without that probe passes. A probe that has not reported on
// this instance yet fails; with nudge, its worker is asked to run now rather
// than at its next tick, as upstream does for readiness.
func (m *Manager) passed(uid types.UID, name string, k probeKind, containerID string, nudge bool) bool {
	if r, ok := m.results.get(resultKey{k, containerID}); ok {
		return r == Success
	}
	w := m.worker(uid, name, k)
	if w == nil {
		return true
	}
	if nudge {
		w.trigger()
	}
	return false
}

// runningContainer finds which of the pod's containers the ID belongs to, by
// asking the StateSource, since callers know only the ID.
func (m *Manager) runningContainer(uid types.UID, containerID string) (*v1.Container, bool) {
	pod := m.pod(uid)
	if pod == nil || containerID == "" {
		return nil, false
	}
	for _, c := range allContainers(pod) {
		id, _, running := m.opts.State.Container(uid, c.Name)
		if id == containerID {
			return c, running
		}
	}
	return nil, false
}

func allContainers(pod *v1.Pod) []*v1.Container {
	out := make([]*v1.Container, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers))
	for i := range pod.Spec.InitContainers {
		out = append(out, &pod.Spec.InitContainers[i])
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

// killMessage is upstream's wording for a probe-triggered kill, e.g.
// "Container web failed liveness probe, will be restarted".
func killMessage(pod *v1.Pod, c *v1.Container, k probeKind) string {
	kind := "liveness"
	if k == startup {
		kind = "startup"
	}
	msg := fmt.Sprintf("Container %s failed %s probe", c.Name, kind)
	if restartsAfterKill(pod, c) {
		msg += ", will be restarted"
	}
	return msg
}

// restartsAfterKill reports whether the kubelet will start the container
// again after killing it: sidecars always, others unless the effective
// restart policy is Never (a killed container exits non-zero, so OnFailure
// restarts it).
func restartsAfterKill(pod *v1.Pod, c *v1.Container) bool {
	if c.RestartPolicy != nil {
		return *c.RestartPolicy != v1.ContainerRestartPolicyNever
	}
	return pod == nil || pod.Spec.RestartPolicy != v1.RestartPolicyNever
}
