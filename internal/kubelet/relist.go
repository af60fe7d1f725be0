package kubelet

import (
	"context"
	"slices"

	"k8s.io/apimachinery/pkg/types"
)

// runRelist is the pod lifecycle event generator: it polls the runtime and
// wakes the workers of pods whose containers or sandboxes changed state,
// including pods the API no longer has (orphans to clean up).
func (k *Kubelet) runRelist(ctx context.Context) {
	var r relister
	t := k.clock.NewTicker(k.cfg.RelistPeriod)
	defer t.Stop()
	for {
		for _, uid := range r.relist(ctx, k) {
			k.runtimeChanged(uid)
		}
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

// relister remembers the runtime's containers and sandboxes between two
// relists. It keeps two maps and swaps them, so a relist (every second on
// every node) allocates no new ones.
type relister struct {
	seen, spare map[string]relistEntry
	changed     []types.UID
}

// relist returns the pods whose containers or sandboxes appeared,
// disappeared or changed state since the last relist. After a failed
// listing it reports nothing and keeps what it had seen.
func (r *relister) relist(ctx context.Context, k *Kubelet) []types.UID {
	cs, err := k.rt.ListContainers(ctx, nil)
	if err != nil {
		return nil
	}
	sbs, err := k.rt.ListPodSandbox(ctx, nil)
	if err != nil {
		return nil
	}
	if r.seen == nil {
		r.seen, r.spare = map[string]relistEntry{}, map[string]relistEntry{}
	}
	cur := r.spare
	clear(cur)
	for _, c := range cs {
		cur[c.Id] = relistEntry{types.UID(c.Labels[labelPodUID]), int32(c.State)}
	}
	for _, sb := range sbs {
		cur[sb.Id] = relistEntry{types.UID(sb.Labels[labelPodUID]), int32(sb.State) + 100}
	}
	r.changed = r.changed[:0]
	for id, e := range cur {
		if p, ok := r.seen[id]; (!ok || p.state != e.state) && e.uid != "" {
			r.changed = append(r.changed, e.uid)
		}
	}
	for id, e := range r.seen {
		if _, ok := cur[id]; !ok && e.uid != "" { // "": no pod's (no pod UID label)
			r.changed = append(r.changed, e.uid)
		}
	}
	r.seen, r.spare = cur, r.seen
	slices.Sort(r.changed)
	r.changed = slices.Compact(r.changed)
	return r.changed
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
