package prober

import (
	v1 "k8s.io/api/core/v1"
)

// probeKind is which of a container's three probes a worker runs.
type probeKind int

const (
	liveness probeKind = iota
	readiness
	startup
)

var allKinds = []probeKind{liveness, readiness, startup}

// String gives the capitalised names upstream puts in event messages.
func (k probeKind) String() string {
	switch k {
	case liveness:
		return "Liveness"
	case readiness:
		return "Readiness"
	default:
		return "Startup"
	}
}

// initialResult is what a worker stores when it first sees a container,
// before any probe has run: upstream assumes live, not ready, not started.
func (k probeKind) initialResult() Result {
	switch k {
	case liveness:
		return Success
	case readiness:
		return Failure
	default:
		return Unknown
	}
}

// kills reports whether failing this probe means restarting the container.
func (k probeKind) kills() bool { return k == liveness || k == startup }

// probeFor returns the container's probe of the given kind, or nil.
func probeFor(c *v1.Container, k probeKind) *v1.Probe {
	switch k {
	case liveness:
		return c.LivenessProbe
	case readiness:
		return c.ReadinessProbe
	default:
		return c.StartupProbe
	}
}

// withDefaults returns a copy of p with upstream's defaults filled in, so a
// pod that skipped API defaulting still probes sensibly. successThreshold is
// forced to 1 for liveness and startup, as validation requires upstream.
func withDefaults(p *v1.Probe, k probeKind) *v1.Probe {
	out := p.DeepCopy()
	if out.PeriodSeconds <= 0 {
		out.PeriodSeconds = 10
	}
	if out.TimeoutSeconds <= 0 {
		out.TimeoutSeconds = 1
	}
	if out.SuccessThreshold <= 0 || k != readiness {
		out.SuccessThreshold = 1
	}
	if out.FailureThreshold <= 0 {
		out.FailureThreshold = 3
	}
	return out
}

// probedContainers lists the containers that may carry probes: the regular
// containers and the restartable init containers (sidecars). Ordinary init
// containers run to completion and are never probed.
func probedContainers(pod *v1.Pod) []*v1.Container {
	var out []*v1.Container
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if isSidecar(c) {
			out = append(out, c)
		}
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}
