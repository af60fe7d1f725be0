package nodelifecycle

import (
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
)

// verdict is what to do with a pod on a node with NoExecute taints.
type verdict int

const (
	keep     verdict = iota // no NoExecute taint, or all tolerated forever
	evictNow                // a taint is not tolerated
	evictAfter
)

// evictionFor decides for a pod's tolerations against its node's NoExecute
// taints, as upstream's taint eviction controller: a taint not tolerated
// evicts at once; otherwise the pod may stay for the smallest
// tolerationSeconds among the tolerations used (none: forever; negative
// counts as zero).
func evictionFor(tolerations []v1.Toleration, taints []v1.Taint) (verdict, time.Duration) {
	if len(taints) == 0 {
		return keep, 0
	}
	min := time.Duration(-1)
	for i := range taints {
		used := false
		for j := range tolerations {
			tol := &tolerations[j]
			if !tol.ToleratesTaint(klog.Background(), &taints[i], false) {
				continue
			}
			used = true
			if tol.TolerationSeconds == nil {
				continue
			}
			d := time.Duration(*tol.TolerationSeconds) * time.Second
			if d < 0 {
				d = 0
			}
			if min < 0 || d < min {
				min = d
			}
		}
		if !used {
			return evictNow, 0
		}
	}
	if min < 0 {
		return keep, 0
	}
	return evictAfter, min
}
