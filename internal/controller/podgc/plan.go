package podgc

import (
	"sort"
	"time"

	v1 "k8s.io/api/core/v1"
)

// The decisions of one pass, computed from the informers' pods and nodes
// without any API call.

// terminated reports a pod that has finished (Succeeded or Failed).
func terminated(p *v1.Pod) bool {
	return p.Status.Phase != v1.PodPending && p.Status.Phase != v1.PodRunning && p.Status.Phase != v1.PodUnknown
}

// evicted reports a pod the kubelet evicted (node pressure).
func evicted(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed && p.Status.Reason == "Evicted" }

// sortForGC orders pods evicted first, then oldest first, then by name:
// evicted pods go before terminated pods whose controllers may still look
// at them.
func sortForGC(pods []*v1.Pod) {
	sort.Slice(pods, func(i, j int) bool {
		a, b := pods[i], pods[j]
		if evicted(a) != evicted(b) {
			return evicted(a)
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
}

// overThreshold is the terminated pods to delete so that at most threshold
// remain (threshold <= 0: none).
func overThreshold(pods []*v1.Pod, threshold int) []*v1.Pod {
	if threshold <= 0 {
		return nil
	}
	var done []*v1.Pod
	for _, p := range pods {
		if terminated(p) {
			done = append(done, p)
		}
	}
	if len(done) <= threshold {
		return nil
	}
	sortForGC(done)
	return done[:len(done)-threshold]
}

// outOfService is the terminating pods on nodes that are not ready and
// carry the node.kubernetes.io/out-of-service taint: an administrator said
// the machine is gone, so nobody will finish their deletion.
func outOfService(pods []*v1.Pod, nodes map[string]*v1.Node) []*v1.Pod {
	var out []*v1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			continue
		}
		n := nodes[p.Spec.NodeName]
		if n != nil && !nodeReady(n) && hasTaintKey(n, v1.TaintNodeOutOfService) {
			out = append(out, p)
		}
	}
	sortForGC(out)
	return out
}

// unscheduledTerminating is the terminating pods never bound to a node: no
// kubelet will finish their deletion.
func unscheduledTerminating(pods []*v1.Pod) []*v1.Pod {
	var out []*v1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			out = append(out, p)
		}
	}
	return out
}

// quarantine remembers since when pods' nodes have been missing from the
// informer. A node is only checked with a live GET after quarantine: the
// informer may lag a node that was just created.
type quarantine map[string]time.Time

// due records the missing nodes of this pass and returns those missing for
// at least wait; nodes that reappeared or have no pods left are forgotten.
func (q quarantine) due(pods []*v1.Pod, nodes map[string]*v1.Node, now time.Time, wait time.Duration) []string {
	missing := map[string]bool{}
	for _, p := range pods {
		if p.Spec.NodeName != "" && nodes[p.Spec.NodeName] == nil {
			missing[p.Spec.NodeName] = true
		}
	}
	for name := range q {
		if !missing[name] {
			delete(q, name)
		}
	}
	var due []string
	for name := range missing {
		since, ok := q[name]
		if !ok {
			q[name] = now
			since = now
		}
		if now.Sub(since) >= wait {
			due = append(due, name)
		}
	}
	sort.Strings(due)
	return due
}

// onNodes is the pods bound to one of the named nodes.
func onNodes(pods []*v1.Pod, names map[string]bool) []*v1.Pod {
	var out []*v1.Pod
	for _, p := range pods {
		if p.Spec.NodeName != "" && names[p.Spec.NodeName] {
			out = append(out, p)
		}
	}
	return out
}

func nodeReady(n *v1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == v1.NodeReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func hasTaintKey(n *v1.Node, key string) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key {
			return true
		}
	}
	return false
}
