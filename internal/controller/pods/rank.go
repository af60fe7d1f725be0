package pods

import (
	"sort"
	"strconv"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// DeletionCostAnnotation lets users say which pods of a ReplicaSet go first
// when it scales down: lower cost first (upstream's PodDeletionCost).
const DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// DeletionCost is the pod's deletion cost; 0 when unset or malformed.
func DeletionCost(p *v1.Pod) int32 {
	v, ok := p.Annotations[DeletionCostAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

// SortForDeletionRanked is SortForDeletion with the two keys upstream's
// ReplicaSet controller adds after readiness: lower deletion cost first,
// then higher rank first (rank is how many related pods share the pod's
// node, so doubled-up pods go first). Pods missing from rank have rank 0.
func SortForDeletionRanked(ps []*v1.Pod, rank map[types.UID]int) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
			return a.Spec.NodeName == ""
		}
		if ra, rb := phaseRank[a.Status.Phase], phaseRank[b.Status.Phase]; ra != rb {
			return ra < rb
		}
		if IsReady(a) != IsReady(b) {
			return !IsReady(a)
		}
		if ca, cb := DeletionCost(a), DeletionCost(b); ca != cb {
			return ca < cb
		}
		if ra, rb := rank[a.UID], rank[b.UID]; ra != rb {
			return ra > rb
		}
		return deleteFirst(a, b)
	})
}
