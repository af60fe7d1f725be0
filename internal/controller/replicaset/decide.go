package replicaset

import (
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"orca/internal/controller/pods"
)

// burstReplicas caps the creations or deletions of one reconcile
// (upstream's 500): a huge scale is done in steps, each waiting for the
// informer to see the previous one.
const burstReplicas = 500

// action is what one reconcile does to the pod count.
type action struct {
	create int       // pods to create
	delete []*v1.Pod // pods to delete, first to go first
}

// decide compares the active pods a ReplicaSet owns with the replicas it
// wants. related are the active pods of the ReplicaSet and its siblings
// (same controller owner): surplus pods sharing a node with many of them go
// first, to spread what stays.
func decide(replicas int32, owned, related []*v1.Pod) action {
	diff := len(owned) - int(replicas)
	switch {
	case diff < 0:
		return action{create: min(-diff, burstReplicas)}
	case diff > 0:
		return action{delete: victims(owned, related, min(diff, burstReplicas))}
	}
	return action{}
}

// victims picks the n pods of owned to delete, in upstream's order.
func victims(owned, related []*v1.Pod, n int) []*v1.Pod {
	ps := slices.Clone(owned)
	if n < len(ps) {
		pods.SortForDeletionRanked(ps, rankByNode(ps, related))
	}
	return ps[:n]
}

// rankByNode ranks each pod by the number of active related pods on its
// node (unscheduled pods share the node "").
func rankByNode(ps, related []*v1.Pod) map[types.UID]int {
	onNode := map[string]int{}
	for _, p := range related {
		if pods.IsActive(p) {
			onNode[p.Spec.NodeName]++
		}
	}
	rank := make(map[types.UID]int, len(ps))
	for _, p := range ps {
		rank[p.UID] = onNode[p.Spec.NodeName]
	}
	return rank
}

// replicas is spec.replicas (the server defaults it to 1).
func replicas(rs *appsv1.ReplicaSet) int32 {
	if rs.Spec.Replicas == nil {
		return 1
	}
	return *rs.Spec.Replicas
}
