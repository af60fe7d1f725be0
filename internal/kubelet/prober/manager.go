package prober

import (
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// Manager owns the probe workers of every pod on the node and their results.
type Manager struct {
	opts    Options
	clock   clock.WithTicker
	runner  Runner
	results *resultStore

	mu   sync.Mutex
	pods map[types.UID]*podProbes

	// live counts running worker goroutines, so tests can prove RemovePod
	// leaks nothing.
	live atomic.Int64
	// stepped, if set (tests only), is called after every worker step.
	stepped func(uid types.UID, container string, kind probeKind)
}

// podProbes is what the Manager keeps per pod: the latest spec handed to
// AddPod and the workers started for it.
type podProbes struct {
	pod     *v1.Pod
	workers map[workerSlot]*worker
}

// workerSlot names one worker within a pod.
type workerSlot struct {
	container string
	kind      probeKind
}

// NewManager returns a Manager with no pods. Options.State must be set.
func NewManager(o Options) *Manager {
	m := &Manager{
		opts:    o,
		clock:   o.Clock,
		runner:  o.Runner,
		results: newResultStore(),
		pods:    map[types.UID]*podProbes{},
	}
	if m.clock == nil {
		m.clock = clock.RealClock{}
	}
	if m.runner == nil {
		m.runner = newRunner(o.Runtime)
	}
	return m
}

// AddPod starts one worker per (container, probe kind) the pod declares,
// including restartable init containers. Calling it again for a known pod
// records the newer object (workers see e.g. its deletionTimestamp) and starts
// nothing twice.
func (m *Manager) AddPod(pod *v1.Pod) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pp, ok := m.pods[pod.UID]
	if !ok {
		pp = &podProbes{workers: map[workerSlot]*worker{}}
		m.pods[pod.UID] = pp
	}
	pp.pod = pod
	for _, c := range probedContainers(pod) {
		for _, k := range allKinds {
			m.ensureWorkerLocked(pp, pod.UID, c, k)
		}
	}
}

func (m *Manager) ensureWorkerLocked(pp *podProbes, uid types.UID, c *v1.Container, k probeKind) {
	spec := probeFor(c, k)
	slot := workerSlot{c.Name, k}
	if spec == nil || pp.workers[slot] != nil {
		return
	}
	w := newWorker(m, uid, c.DeepCopy(), k, withDefaults(spec, k))
	pp.workers[slot] = w
	m.live.Add(1)
	go w.run()
}

// RemovePod stops the pod's workers. It does not wait for a probe in flight:
// the probe's context is cancelled and its outcome discarded.
func (m *Manager) RemovePod(uid types.UID) {
	m.mu.Lock()
	pp, ok := m.pods[uid]
	delete(m.pods, uid)
	m.mu.Unlock()
	if !ok {
		return
	}
	for _, w := range pp.workers {
		w.stop()
	}
}

// ContainerRestarted tells the workers of one container that a new instance
// replaced it, so they pick up its ID now instead of at their next tick.
// Results need no clearing: they are keyed by container ID, and each worker
// drops the old instance's results when it sees the new ID.
func (m *Manager) ContainerRestarted(uid types.UID, name string) {
	for _, k := range allKinds {
		if w := m.worker(uid, name, k); w != nil {
			w.trigger()
		}
	}
}

// pod returns the latest object AddPod saw, or nil once removed.
func (m *Manager) pod(uid types.UID) *v1.Pod {
	m.mu.Lock()
	defer m.mu.Unlock()
	if pp, ok := m.pods[uid]; ok {
		return pp.pod
	}
	return nil
}

func (m *Manager) worker(uid types.UID, name string, k probeKind) *worker {
	m.mu.Lock()
	defer m.mu.Unlock()
	if pp, ok := m.pods[uid]; ok {
		return pp.workers[workerSlot{name, k}]
	}
	return nil
}
