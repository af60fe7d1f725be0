package daemonset

import (
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"

	"orca/internal/controller/pods"
)

// updatedAndOld finds the one live pod of the current template and the one
// of an older template on a node; ok is false when a node has two of
// either (the manage pass sorts that out first).
func updatedAndOld(onNode []*v1.Pod, hash string, generation *int64) (updated, old *v1.Pod, ok bool) {
	for _, p := range onNode {
		if p.DeletionTimestamp != nil {
			continue
		}
		if isUpdated(p, hash, generation) {
			if updated != nil {
				return nil, nil, false
			}
			updated = p
		} else {
			if old != nil {
				return nil, nil, false
			}
			old = p
		}
	}
	return updated, old, true
}

// rollingLimits are the rolling update's maxSurge and maxUnavailable for
// the nodes that should run a pod. A DaemonSet allowing neither (the API
// rejects it, but older objects may have it) gets maxUnavailable 1.
func rollingLimits(ds *appsv1.DaemonSet, nodes []*v1.Node) (maxSurge, maxUnavailable, desired int) {
	for _, n := range nodes {
		if run, _ := shouldRun(n, ds); run {
			desired++
		}
	}
	maxSurge, maxUnavailable = surgeCount(ds, desired), unavailableCount(ds, desired)
	if desired > 0 && maxSurge == 0 && maxUnavailable == 0 {
		maxUnavailable = 1
	}
	return maxSurge, maxUnavailable, desired
}

// planRollingUpdate decides the next step of a RollingUpdate (upstream's
// rollingUpdate). Without surge it deletes old pods — unavailable ones
// always, available ones while fewer than maxUnavailable nodes are
// unavailable — and the manage pass then creates their replacements.
// With surge it creates new pods beside old ones on up to maxSurge nodes
// (always where the old pod is unavailable) and deletes an old pod once
// its replacement is available.
func planRollingUpdate(ds *appsv1.DaemonSet, nodes []*v1.Node, podsOn map[string][]*v1.Pod, hash string, now time.Time) (del []*v1.Pod, create []string) {
	maxSurge, maxUnavailable, _ := rollingLimits(ds, nodes)
	byName := make(map[string]*v1.Node, len(nodes))
	// Every node that should run a pod is considered, also those without one.
	considered := map[string][]*v1.Pod{}
	for name, ps := range podsOn {
		considered[name] = ps
	}
	for _, n := range nodes {
		byName[n.Name] = n
		if run, _ := shouldRun(n, ds); run {
			if _, ok := considered[n.Name]; !ok {
				considered[n.Name] = nil
			}
		}
	}
	// Upstream walks a map; a sorted walk makes the choice repeatable.
	names := make([]string, 0, len(considered))
	for name := range considered {
		names = append(names, name)
	}
	sort.Strings(names)
	gen := templateGeneration(ds)
	if maxSurge == 0 {
		return rollWithoutSurge(ds, names, considered, hash, gen, maxUnavailable, now), nil
	}
	return rollWithSurge(ds, names, considered, byName, hash, gen, maxSurge, now)
}

func rollWithoutSurge(ds *appsv1.DaemonSet, names []string, podsOn map[string][]*v1.Pod, hash string, gen *int64, maxUnavailable int, now time.Time) []*v1.Pod {
	unavailable := 0
	var replace, candidates []*v1.Pod
	for _, name := range names {
		updated, old, ok := updatedAndOld(podsOn[name], hash, gen)
		switch {
		case !ok, updated == nil && old == nil, updated != nil && old != nil:
			// Being created or cleaned up by the manage pass: unavailable.
			unavailable++
		case updated != nil:
			if !pods.IsAvailable(updated, ds.Spec.MinReadySeconds, now) {
				unavailable++
			}
		case !pods.IsAvailable(old, ds.Spec.MinReadySeconds, now):
			// Not serving anyway: replacing it costs nothing.
			replace = append(replace, old)
		case unavailable < maxUnavailable:
			candidates = append(candidates, old)
		}
	}
	room := maxUnavailable - unavailable
	room = max(0, min(room, len(candidates)))
	return append(replace, candidates[:room]...)
}

func rollWithSurge(ds *appsv1.DaemonSet, names []string, podsOn map[string][]*v1.Pod, nodes map[string]*v1.Node, hash string, gen *int64, maxSurge int, now time.Time) (del []*v1.Pod, create []string) {
	surging := 0
	var replace, candidates []string
	for _, name := range names {
		updated, old, ok := updatedAndOld(podsOn[name], hash, gen)
		switch {
		case !ok:
			surging++ // the manage pass cleans it up; count it as surging
		case old == nil:
			// Up to date, or the manage pass creates its pod.
		case updated == nil:
			if n := nodes[name]; n == nil {
				continue
			} else if run, _ := shouldRun(n, ds); !run {
				continue
			}
			switch {
			case !pods.IsAvailable(old, ds.Spec.MinReadySeconds, now):
				replace = append(replace, name)
			case surging < maxSurge:
				candidates = append(candidates, name)
			}
		case !pods.IsAvailable(updated, ds.Spec.MinReadySeconds, now):
			surging++ // waiting for the new pod
		default:
			del = append(del, old) // the new pod is available: the old one goes
		}
	}
	room := max(0, min(maxSurge-surging, len(candidates)))
	return del, append(replace, candidates[:room]...)
}
