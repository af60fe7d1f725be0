package prober

import (
	"time"
)

// step is one tick of a worker: find the current container instance, decide
// whether the probe is due, run it, and publish the result once a threshold
// is crossed. Upstream's worker.doProbe, minus the parts orca does elsewhere.
func (w *worker) step() {
	id, startedAt, running := w.m.opts.State.Container(w.uid, w.container.Name)
	if id == "" {
		return // not created yet, or already gone
	}
	if id != w.containerID {
		w.switchTo(id)
	}
	if w.onHold {
		return
	}
	if !running {
		w.publish(Failure) // a stopped container is neither ready nor started
		return
	}
	pod := w.m.pod(w.uid)
	if pod == nil {
		return // removed; the worker is stopping
	}
	if pod.DeletionTimestamp != nil && w.kind.kills() {
		w.quietShutdown()
		return
	}
	if !w.due(id, startedAt) {
		return
	}
	result, ok := w.probe(id)
	if !ok || w.ctx.Err() != nil {
		return // errored (discarded, like upstream) or stopped meanwhile
	}
	w.count(result)
	if w.belowThreshold() {
		return
	}
	w.publish(result)
	if w.kind.kills() && result == Failure {
		w.hold(id)
	}
}

// switchTo starts over for a new container instance: the old instance's
// result goes, the new one starts from the kind's initial value.
func (w *worker) switchTo(id string) {
	if w.containerID != "" {
		w.m.results.remove(w.key())
	}
	w.containerID = id
	w.m.results.set(w.key(), w.kind.initialResult())
	w.lastResult, w.resultRun, w.onHold = Unknown, 0, false
}

// quietShutdown keeps a terminating pod from being killed by its liveness or
// startup probe: those report success and stop probing. Readiness keeps
// running so endpoints follow the app during its grace period.
func (w *worker) quietShutdown() {
	w.publish(Success)
}

// due reports whether the probe should run now: the initial delay (whole
// seconds since start, as upstream) is over, liveness and readiness wait for
// startup, and startup stops once it passed.
func (w *worker) due(id string, startedAt time.Time) bool {
	if int32(w.m.clock.Since(startedAt)/time.Second) < w.spec.InitialDelaySeconds {
		return false
	}
	started := w.m.passed(w.uid, w.container.Name, startup, id, false)
	if w.kind == startup {
		return !started
	}
	return started
}

// count folds one probe outcome into the run of equal outcomes.
func (w *worker) count(r Result) {
	if r == w.lastResult {
		w.resultRun++
		return
	}
	w.lastResult, w.resultRun = r, 1
}

func (w *worker) belowThreshold() bool {
	switch w.lastResult {
	case Failure:
		return w.resultRun < int(w.spec.FailureThreshold)
	case Success:
		return w.resultRun < int(w.spec.SuccessThreshold)
	}
	return true
}

// publish stores the result and tells the kubelet when a readiness or startup
// result changed. Liveness changes need no status update; failures go
// through hold.
func (w *worker) publish(r Result) {
	if !w.m.results.set(w.key(), r) || w.kind == liveness {
		return
	}
	if f := w.m.opts.OnChange; f != nil {
		f(w.uid)
	}
}

// hold stops probing a container that failed liveness or startup until a new
// instance replaces it, and asks the kubelet to kill it, once.
func (w *worker) hold(id string) {
	w.onHold, w.resultRun = true, 0
	if f := w.m.opts.OnLivenessFailure; f != nil {
		f(w.uid, w.container.Name, id, killMessage(w.m.pod(w.uid), w.container, w.kind))
	}
}
