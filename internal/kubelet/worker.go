package kubelet

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// podWorker serialises the syncs of one pod in its own goroutine.
type podWorker struct {
	uid  types.UID
	kick chan struct{}

	// Guarded by Kubelet.mu.
	pod      *v1.Pod // latest from the API (or last known once gone)
	gone     bool    // removed from the API
	rp       *runtimePod
	liveness map[string]bool // container IDs the prober wants restarted
	// cancelPull aborts the image pull in progress, if any: a pull may
	// take forever and must not hold up the pod's deletion.
	cancelPull context.CancelFunc

	// Owned by the worker goroutine.
	waiting map[string]waiting
	pulls   pullState
	// started holds the containers StartContainer succeeded on that the
	// runtime may still show as created (see decider.started).
	started    map[string]bool
	lastStatus *v1.PodStatus
	// lastStatusFrom is the resourceVersion of the pod copy lastStatus was
	// written against.
	lastStatusFrom string
	deleting       bool // the final delete was sent
}

func (k *Kubelet) podChanged(pod *v1.Pod) {
	k.mu.Lock()
	w := k.workerLocked(pod.UID)
	w.pod = pod
	if pod.DeletionTimestamp != nil && w.cancelPull != nil {
		w.cancelPull()
	}
	k.mu.Unlock()
	k.poke(w)
}

func (k *Kubelet) podDeleted(o any) {
	if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
		o = t.Obj
	}
	pod, ok := o.(*v1.Pod)
	if !ok {
		return
	}
	k.mu.Lock()
	w := k.workerLocked(pod.UID)
	if w.pod == nil {
		w.pod = pod
	}
	w.gone = true
	if w.cancelPull != nil {
		w.cancelPull()
	}
	k.mu.Unlock()
	k.poke(w)
}

// pullContext is the context of an image pull for a pod's worker: it ends
// when the pod is deleted. done must be called once the pull returned.
func (k *Kubelet) pullContext(ctx context.Context, w *podWorker) (pctx context.Context, done func()) {
	pctx, cancel := context.WithCancel(ctx)
	k.mu.Lock()
	w.cancelPull = cancel
	if w.gone || (w.pod != nil && w.pod.DeletionTimestamp != nil) {
		cancel()
	}
	k.mu.Unlock()
	return pctx, func() {
		k.mu.Lock()
		w.cancelPull = nil
		k.mu.Unlock()
		cancel()
	}
}

// workerLocked finds or starts the worker of a pod.
func (k *Kubelet) workerLocked(uid types.UID) *podWorker {
	if w, ok := k.workers[uid]; ok {
		return w
	}
	w := &podWorker{uid: uid, kick: make(chan struct{}, 1), liveness: map[string]bool{}, waiting: map[string]waiting{}, started: map[string]bool{}}
	k.workers[uid] = w
	k.wg.Add(1)
	go k.runWorker(w)
	return w
}

// kick asks a pod's worker to sync soon (probe results, runtime events).
func (k *Kubelet) kick(uid types.UID) {
	k.mu.Lock()
	w := k.workers[uid]
	k.mu.Unlock()
	if w != nil {
		k.poke(w)
	}
}

func (k *Kubelet) poke(w *podWorker) {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (k *Kubelet) runWorker(w *podWorker) {
	defer k.wg.Done()
	timer := k.clock.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-w.kick:
		case <-timer.C():
		}
		done, next := k.syncPod(k.ctx, w)
		if done && k.retire(w) {
			return
		}
		if !timer.Stop() {
			select {
			case <-timer.C():
			default:
			}
		}
		timer.Reset(next)
	}
}

// retire removes a worker whose pod is gone from both the API and the
// runtime, unless the pod came back meanwhile.
func (k *Kubelet) retire(w *podWorker) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !w.gone || len(w.kick) > 0 {
		return false
	}
	delete(k.workers, w.uid)
	return true
}

// snapshot is the worker's view of its pod, copied under the lock.
func (k *Kubelet) snapshot(w *podWorker) (pod *v1.Pod, gone bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return w.pod, w.gone
}

func (k *Kubelet) setRuntimePod(w *podWorker, rp *runtimePod) {
	k.mu.Lock()
	w.rp = rp
	k.mu.Unlock()
}

// livenessFailed is the prober asking for a container's restart.
func (k *Kubelet) livenessFailed(uid types.UID, container, containerID, message string) {
	k.mu.Lock()
	w := k.workers[uid]
	if w != nil {
		w.liveness[containerID] = true
	}
	k.mu.Unlock()
	if w != nil {
		k.poke(w)
	}
}

func (k *Kubelet) livenessFailedFor(w *podWorker) func(string) bool {
	k.mu.Lock()
	failed := make(map[string]bool, len(w.liveness))
	for id := range w.liveness {
		failed[id] = true
	}
	k.mu.Unlock()
	return func(id string) bool { return failed[id] }
}

// Container tells the prober about a pod's running container.
func (k *Kubelet) Container(uid types.UID, name string) (id string, startedAt time.Time, running bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	w := k.workers[uid]
	if w == nil || w.rp == nil {
		return "", time.Time{}, false
	}
	cs := w.rp.latest(name)
	if cs == nil {
		return "", time.Time{}, false
	}
	return cs.Id, time.Unix(0, cs.StartedAt), cs.State == runtimeapi.ContainerState_CONTAINER_RUNNING
}

// PodIP tells the prober where to send network probes.
func (k *Kubelet) PodIP(uid types.UID) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	w := k.workers[uid]
	if w == nil {
		return ""
	}
	if w.pod != nil && w.pod.Spec.HostNetwork {
		if ips := k.node.hostIPs(); len(ips) > 0 {
			return ips[0]
		}
	}
	if w.rp != nil {
		if sb := w.rp.sandbox(); sb != nil && sb.Network != nil {
			return sb.Network.Ip
		}
	}
	return ""
}

// pruneStarted forgets started containers the runtime reports past the
// created state, or no longer has.
func pruneStarted(w *podWorker, rp *runtimePod) {
	for id := range w.started {
		cs := rp.byID(id)
		if cs == nil || cs.State != runtimeapi.ContainerState_CONTAINER_CREATED {
			delete(w.started, id)
		}
	}
}
