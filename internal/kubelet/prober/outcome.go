package prober

import (
	v1 "k8s.io/api/core/v1"
)

// Upstream retries a probe that errored (not one that failed) this often
// before giving up on the tick.
const maxProbeRetries = 3

// Event reasons, as upstream's kubelet events package names them.
const (
	reasonUnhealthy    = "Unhealthy"
	reasonProbeWarning = "ProbeWarning"
)

// probe runs the probe against the instance and maps the outcome to Success
// or Failure, recording upstream's events on the way. ok is false when the
// probe errored or could not decide: upstream throws such results away
// rather than counting them against the container.
func (w *worker) probe(id string) (result Result, ok bool) {
	target := Target{
		PodIP:       w.m.opts.State.PodIP(w.uid),
		ContainerID: id,
		Pod:         w.m.pod(w.uid),
		Container:   w.container,
	}
	res, out, err := w.runWithRetries(target)
	if w.ctx.Err() != nil {
		return Unknown, false // stopped: a cancelled probe says nothing
	}
	switch {
	case err != nil:
		w.event(target.Pod, reasonUnhealthy, "%s probe errored and resulted in %s state: %s", w.kind, Unknown, err)
		return Unknown, false
	case res == Success:
		return Success, true
	case res == Warning:
		w.event(target.Pod, reasonProbeWarning, "%s probe warning: %s", w.kind, out)
		return Success, true
	case res == Failure:
		w.event(target.Pod, reasonUnhealthy, "%s probe failed: %s", w.kind, out)
		return Failure, true
	default:
		w.event(target.Pod, reasonUnhealthy, "%s probe errored and resulted in %s state: %s", w.kind, Unknown, out)
		return Unknown, false
	}
}

func (w *worker) runWithRetries(t Target) (res Result, out string, err error) {
	for i := 0; i < maxProbeRetries; i++ {
		res, out, err = w.m.runner.Run(w.ctx, w.spec, t)
		if err == nil || w.ctx.Err() != nil {
			return res, out, err
		}
	}
	return res, out, err
}

// event records a Warning about the container, referring to it by field path
// the way upstream's container references do.
func (w *worker) event(pod *v1.Pod, reason, format string, args ...any) {
	rec := w.m.opts.Recorder
	if rec == nil || pod == nil {
		return
	}
	rec.Eventf(containerRef(pod, w.container.Name), v1.EventTypeWarning, reason, format, args...)
}

func containerRef(pod *v1.Pod, name string) *v1.ObjectReference {
	field := "spec.containers{" + name + "}"
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			field = "spec.initContainers{" + name + "}"
		}
	}
	return &v1.ObjectReference{
		Kind:            "Pod",
		APIVersion:      "v1",
		Namespace:       pod.Namespace,
		Name:            pod.Name,
		UID:             pod.UID,
		ResourceVersion: pod.ResourceVersion,
		FieldPath:       field,
	}
}
