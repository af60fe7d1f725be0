package kubelet

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
)

// runRelist is the pod lifecycle event generator: it polls the runtime and
// wakes the workers of pods whose containers or sandboxes changed state,
// including pods the API no longer has (orphans to clean up).
func (k *Kubelet) runRelist(ctx context.Context) {
	seen := map[string]relistEntry{}
	t := k.clock.NewTicker(k.cfg.RelistPeriod)
	defer t.Stop()
	for {
		seen = k.relist(ctx, seen)
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
	}
}

type relistEntry struct {
	uid   types.UID
	state int32
}

func (k *Kubelet) relist(ctx context.Context, prev map[string]relistEntry) map[string]relistEntry {
	cur := make(map[string]relistEntry, len(prev))
	cs, err := k.rt.ListContainers(ctx, nil)
	if err != nil {
		return prev
	}
	sbs, err := k.rt.ListPodSandbox(ctx, nil)
	if err != nil {
		return prev
	}
	for _, c := range cs {
		cur[c.Id] = relistEntry{types.UID(c.Labels[labelPodUID]), int32(c.State)}
	}
	for _, sb := range sbs {
		cur[sb.Id] = relistEntry{types.UID(sb.Labels[labelPodUID]), int32(sb.State) + 100}
	}
	changed := map[types.UID]bool{}
	for id, e := range cur {
		if p, ok := prev[id]; !ok || p.state != e.state {
			changed[e.uid] = true
		}
	}
	for id, e := range prev {
		if _, ok := cur[id]; !ok {
			changed[e.uid] = true
		}
	}
	for uid := range changed {
		if uid != "" {
			k.runtimeChanged(uid)
		}
	}
	return cur
}

// runtimeChanged wakes a pod's worker; a pod unknown to the API (after the
// informer synced) gets a worker that removes it.
func (k *Kubelet) runtimeChanged(uid types.UID) {
	k.mu.Lock()
	w, ok := k.workers[uid]
	if !ok {
		if k.podSynced == nil || !k.podSynced() {
			k.mu.Unlock()
			return
		}
		w = k.workerLocked(uid)
	}
	k.mu.Unlock()
	k.poke(w)
}
