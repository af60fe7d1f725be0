package prober

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// worker probes one container of one pod with one probe kind, on its own
// goroutine, until stopped.
type worker struct {
	m         *Manager
	uid       types.UID
	container *v1.Container // private copy; probes are immutable upstream
	kind      probeKind
	spec      *v1.Probe // defaulted

	ctx     context.Context // cancelled by stop
	cancel  context.CancelFunc
	nudge   chan struct{} // buffered(1): run a step now
	stopped chan struct{} // closed when run returns

	// Owned by the worker goroutine.
	containerID string // instance the state below is about
	lastResult  Result // outcome of the latest probe
	resultRun   int    // how many probes in a row returned lastResult
	onHold      bool   // instance failed liveness/startup: wait for a new one
}

func newWorker(m *Manager, uid types.UID, c *v1.Container, k probeKind, spec *v1.Probe) *worker {
	ctx, cancel := context.WithCancel(context.Background())
	return &worker{
		m: m, uid: uid, container: c, kind: k, spec: spec,
		ctx: ctx, cancel: cancel,
		nudge:   make(chan struct{}, 1),
		stopped: make(chan struct{}),
	}
}

// run steps once at start and then on every tick or nudge. The ticker is
// created before the first step so a test that saw the first step can step a
// fake clock without missing a tick.
func (w *worker) run() {
	defer w.cleanup()
	ticker := w.m.clock.NewTicker(time.Duration(w.spec.PeriodSeconds) * time.Second)
	defer ticker.Stop()
	for {
		w.step()
		if hook := w.m.stepped; hook != nil {
			hook(w.uid, w.container.Name, w.kind)
		}
		select {
		case <-w.ctx.Done():
			return
		case <-ticker.C():
		case <-w.nudge:
		}
	}
}

// cleanup drops this worker's result: nobody keeps it up to date any more.
// Running on the worker goroutine after the last step means no late write
// can outlive it.
func (w *worker) cleanup() {
	if w.containerID != "" {
		w.m.results.remove(w.key())
	}
	w.m.live.Add(-1)
	close(w.stopped)
}

// stop ends the worker; safe to call more than once.
func (w *worker) stop() { w.cancel() }

// trigger asks for a step now without blocking; one pending is enough.
func (w *worker) trigger() {
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

func (w *worker) key() resultKey { return resultKey{w.kind, w.containerID} }
