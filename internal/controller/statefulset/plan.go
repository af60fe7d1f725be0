package statefulset

import (
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The decision: from the set, its two revisions, its pods and claims,
// compute what to do, in upstream's order. Three phases run one after
// the other: the replicas (ordinals the set wants), the condemned pods
// (ordinals it no longer wants), then the rolling update. With
// OrderedReady (monotonic) a phase acts on one pod at a time and the set
// waits at the first pod that is not yet Running, Ready and available;
// with Parallel every step of a phase runs at once.

type stepKind int

const (
	createPod    stepKind = iota // claims first, then the pod
	deletePod                    // scale down, rolling update, finished pod
	ensureClaims                 // a pending pod's missing claims, claim owners
	updatePod                    // restore identity, storage, claim owners
	fixClaims                    // claim owners of a condemned pod
)

func (k stepKind) String() string {
	return [...]string{"create", "delete", "claims", "update", "fixclaims"}[k]
}

type step struct {
	kind stepKind
	pod  *v1.Pod
}

type phase struct {
	steps []step
	// stop: the set waits after this phase; later phases do not run.
	stop bool
}

// world is what the decision looks at.
type world struct {
	set        *appsv1.StatefulSet
	currentSet *appsv1.StatefulSet // set at the current revision
	updateSet  *appsv1.StatefulSet // set at the update revision
	current    string              // revision names
	update     string
	pods       []*v1.Pod // the set's pods
	claims     func(name string) *v1.PersistentVolumeClaim
	now        time.Time
}

type plan struct {
	monotonic bool
	phases    []phase
	// status before completeRollingUpdate: counts of the pods as they
	// will be once the plan ran.
	status appsv1.StatefulSetStatus
}

func decide(w world) plan {
	set := w.set
	if w.claims == nil {
		w.claims = func(string) *v1.PersistentVolumeClaim { return nil }
	}
	pl := plan{monotonic: set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement}
	replicas, condemned := w.split()
	minReady := set.Spec.MinReadySeconds
	var firstUnavailable *v1.Pod
	for _, p := range replicas {
		if isUnavailable(p, minReady, w.now) {
			firstUnavailable = p
			break
		}
	}
	if firstUnavailable == nil {
		for i := len(condemned) - 1; i >= 0; i-- {
			if isUnavailable(condemned[i], minReady, w.now) {
				firstUnavailable = condemned[i]
				break
			}
		}
	}
	pl.status = countStatus(w, replicas, condemned)
	if set.DeletionTimestamp != nil {
		return pl
	}
	for _, f := range []func() phase{
		func() phase { return w.replicaPhase(replicas, pl.monotonic) },
		func() phase { return w.claimPhase(condemned) },
		func() phase { return w.condemnedPhase(condemned, firstUnavailable, pl.monotonic) },
		func() phase { return w.updatePhase(replicas) },
	} {
		ph := f()
		pl.phases = append(pl.phases, ph)
		if ph.stop {
			break
		}
	}
	// Pods deleted for the update no longer count as current.
	if n := len(pl.phases); n == 4 {
		pl.status.CurrentReplicas -= int32(len(pl.phases[3].steps))
	}
	return pl
}

// split sorts pods into replicas (indexed by ordinal - start, missing ones
// filled with the pod to create) and condemned (highest ordinal first).
// Pods whose names carry no ordinal are ignored.
func (w world) split() (replicas, condemned []*v1.Pod) {
	set := w.set
	start, n := startOrdinal(set), replicaCount(set)
	replicas = make([]*v1.Pod, n)
	for _, p := range w.pods {
		o := ordinalOf(p)
		switch {
		case o < 0:
		case inRange(set, p):
			replicas[o-start] = p
		default:
			condemned = append(condemned, p)
		}
	}
	for i := range replicas {
		if replicas[i] == nil {
			replicas[i] = w.newVersionedPod(start + i)
		}
	}
	sort.SliceStable(condemned, func(i, j int) bool { return ordinalOf(condemned[i]) > ordinalOf(condemned[j]) })
	return replicas, condemned
}

// newVersionedPod is a missing pod, at the current revision if the
// partition (or, without rollingUpdate, the count of current replicas)
// keeps its ordinal there, else at the update revision.
func (w world) newVersionedPod(ordinal int) *v1.Pod {
	cs := w.currentSet
	start := startOrdinal(cs)
	ru := cs.Spec.UpdateStrategy.RollingUpdate
	atCurrent := false
	if cs.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && ru == nil {
		atCurrent = ordinal < start+int(cs.Status.CurrentReplicas)
	}
	if ru != nil && ru.Partition != nil {
		atCurrent = ordinal < start+int(*ru.Partition)
	}
	if atCurrent {
		return newPod(cs, ordinal, w.current)
	}
	return newPod(w.updateSet, ordinal, w.update)
}

// replicaPhase: finished pods are deleted (recreated once gone), missing
// ones created, pending ones get their claims, and live ones their
// identity back. OrderedReady stops at the first pod it acted on or that
// is not Running, Ready and available.
func (w world) replicaPhase(replicas []*v1.Pod, monotonic bool) phase {
	var ph phase
	minReady := w.set.Spec.MinReadySeconds
	for _, p := range replicas {
		wait := false
		switch {
		case isFinished(p):
			if !isTerminating(p) {
				ph.steps = append(ph.steps, step{deletePod, p})
			}
			wait = true
		case !isCreated(p):
			if claimIsStale(w.set, p, w.claims) {
				wait = true
				break
			}
			ph.steps = append(ph.steps, step{createPod, p})
			wait = monotonic
		default:
			exist, owners := claimsOK(w.set, p, w.claims)
			if isPending(p) && (!exist || !owners) {
				ph.steps = append(ph.steps, step{ensureClaims, p})
			}
			if monotonic && (isTerminating(p) || !isRunningAndReady(p) || !isRunningAndAvailable(p, minReady, w.now)) {
				wait = true
				break
			}
			if !isTerminating(p) && (!identityMatches(w.set, p) || !storageMatches(w.set, p) || (exist && !owners)) {
				ph.steps = append(ph.steps, step{updatePod, p})
			}
		}
		if wait && monotonic {
			ph.stop = true
			return ph
		}
	}
	return ph
}

// claimPhase sets the claim owners of condemned pods before they go, so
// whenScaled Delete takes their claims with them.
func (w world) claimPhase(condemned []*v1.Pod) phase {
	var ph phase
	for _, p := range condemned {
		if _, owners := claimsOK(w.set, p, w.claims); !owners {
			ph.steps = append(ph.steps, step{fixClaims, p})
		}
	}
	return ph
}

// condemnedPhase scales down from the highest ordinal. OrderedReady
// deletes one pod at a time, waits for it to be gone, and deletes nothing
// while another pod is unavailable (unless that pod is the one to go).
func (w world) condemnedPhase(condemned []*v1.Pod, firstUnavailable *v1.Pod, monotonic bool) phase {
	var ph phase
	minReady := w.set.Spec.MinReadySeconds
	for _, p := range condemned {
		if isTerminating(p) {
			if monotonic {
				ph.stop = true
				return ph
			}
			continue
		}
		if monotonic && p != firstUnavailable && isUnavailable(p, minReady, w.now) {
			ph.stop = true
			return ph
		}
		ph.steps = append(ph.steps, step{deletePod, p})
		if monotonic {
			ph.stop = true
			return ph
		}
	}
	return ph
}

// updatePhase (RollingUpdate): delete pods not at the update revision,
// highest ordinal first, down to the partition, while fewer than
// maxUnavailable (default 1) replicas are unavailable.
func (w world) updatePhase(replicas []*v1.Pod) phase {
	set := w.set
	var ph phase
	if set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return ph
	}
	partition, maxUnavailable := 0, 1
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		if ru.Partition != nil {
			partition = int(*ru.Partition)
		}
		maxUnavailable = scaledMaxUnavailable(ru.MaxUnavailable, len(replicas))
	}
	unavailable := 0
	for _, p := range replicas {
		if isUnavailable(p, set.Spec.MinReadySeconds, w.now) {
			unavailable++
		}
	}
	budget := maxUnavailable - unavailable
	for i := len(replicas) - 1; i >= partition && budget > 0; i-- {
		p := replicas[i]
		if isCreated(p) && revisionOf(p) != w.update && !isTerminating(p) {
			ph.steps = append(ph.steps, step{deletePod, p})
			budget--
		}
	}
	return ph
}

// scaledMaxUnavailable: an absolute number or a percentage of replicas
// rounded down, at least 1.
func scaledMaxUnavailable(v *intstr.IntOrString, replicas int) int {
	if v == nil {
		return 1
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, replicas, false)
	if err != nil || n < 1 {
		return 1
	}
	return n
}
