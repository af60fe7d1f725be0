package daemonset

import (
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"orca/internal/controller/pods"
)

// plan is what one pass over the nodes asks for.
type plan struct {
	create    []string  // nodes that need a daemon pod
	delete    []*v1.Pod // pods to delete now
	failed    []*v1.Pod // failed pods to delete, subject to back-off per node
	succeeded []*v1.Pod // pods that exited: deleted (and recreated later)
}

// byNode groups daemon pods by the node they are for. Pods that finished
// and are being deleted are left out: they are gone in all but name, and
// must not keep a node from getting its new pod.
func byNode(ps []*v1.Pod) map[string][]*v1.Pod {
	m := map[string][]*v1.Pod{}
	for _, p := range ps {
		terminal := p.Status.Phase == v1.PodFailed || p.Status.Phase == v1.PodSucceeded
		if terminal && p.DeletionTimestamp != nil {
			continue
		}
		n := targetNode(p)
		if n == "" {
			continue
		}
		m[n] = append(m[n], p)
	}
	return m
}

// planNodes decides, node by node, which daemon pods to create and which
// to delete (upstream's manage): a pod for each node that should run one
// and has none; none on nodes that may not keep one; failed and
// succeeded pods go; at most one pod per node (two while surging).
func planNodes(ds *appsv1.DaemonSet, nodes []*v1.Node, podsOn map[string][]*v1.Pod, hash string, now time.Time) plan {
	var p plan
	exists := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		exists[n.Name] = true
		planNode(&p, ds, n, podsOn[n.Name], hash, now)
	}
	// Pods never bound, for nodes that are gone: the scheduler cannot
	// place them and pod GC only collects bound ones.
	for name, ps := range podsOn {
		if exists[name] {
			continue
		}
		for _, pod := range ps {
			if pod.Spec.NodeName == "" && pod.DeletionTimestamp == nil {
				p.delete = append(p.delete, pod)
			}
		}
	}
	sort.Strings(p.create)
	return p
}

func planNode(p *plan, ds *appsv1.DaemonSet, node *v1.Node, onNode []*v1.Pod, hash string, now time.Time) {
	run, keep := shouldRun(node, ds)
	switch {
	case run && len(onNode) == 0:
		p.create = append(p.create, node.Name)
	case keep:
		var running []*v1.Pod
		for _, pod := range onNode {
			switch {
			case pod.DeletionTimestamp != nil:
			case pod.Status.Phase == v1.PodFailed:
				p.failed = append(p.failed, pod)
			case pod.Status.Phase == v1.PodSucceeded:
				p.succeeded = append(p.succeeded, pod)
			default:
				running = append(running, pod)
			}
		}
		p.delete = append(p.delete, excess(ds, running, hash, now)...)
		// While surging a node needs one live pod; without surge the next
		// sync (after the deletions are seen) creates it.
		if allowsSurge(ds) && len(running) == 0 && run {
			p.create = append(p.create, node.Name)
		}
	case len(onNode) > 0:
		for _, pod := range onNode {
			if pod.DeletionTimestamp == nil {
				p.delete = append(p.delete, pod)
			}
		}
	}
}

// excess picks the surplus among the live daemon pods of one node.
// Without surge the oldest stays. With surge the oldest pod of the
// current template and the oldest of an older one may both stay while
// the new one is not yet available and the old one still ready.
func excess(ds *appsv1.DaemonSet, running []*v1.Pod, hash string, now time.Time) []*v1.Pod {
	if len(running) <= 1 {
		return nil
	}
	sortOldestFirst(running)
	if !allowsSurge(ds) {
		return append([]*v1.Pod(nil), running[1:]...)
	}
	var out []*v1.Pod
	var newest, oldest *v1.Pod // oldest of the current hash, oldest of other hashes
	for _, pod := range running {
		if pod.Labels[hashLabel] == hash {
			if newest == nil {
				newest = pod
				continue
			}
		} else if oldest == nil {
			oldest = pod
			continue
		}
		out = append(out, pod)
	}
	if newest != nil && oldest != nil {
		if !pods.IsReady(oldest) || pods.IsAvailable(newest, ds.Spec.MinReadySeconds, now) {
			out = append(out, oldest)
		}
	}
	return out
}

// sortOldestFirst orders pods bound before unbound, then by creation time
// and name.
func sortOldestFirst(ps []*v1.Pod) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if (a.Spec.NodeName != "") != (b.Spec.NodeName != "") {
			return a.Spec.NodeName != ""
		}
		if a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.Name < b.Name
		}
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	})
}

// templateGeneration is the DaemonSet's deprecated template generation
// annotation, nil if absent or unparsable.
func templateGeneration(ds *appsv1.DaemonSet) *int64 {
	s, ok := ds.Annotations[appsv1.DeprecatedTemplateGeneration]
	if !ok {
		return nil
	}
	g, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	return &g
}

// templateGenerationLabel is the label (pod-template-generation) older
// DaemonSet pods carry their template generation in.
const templateGenerationLabel = "pod-template-generation"

// isUpdated: the pod was made from the DaemonSet's current template.
func isUpdated(pod *v1.Pod, hash string, generation *int64) bool {
	if hash != "" && pod.Labels[hashLabel] == hash {
		return true
	}
	return generation != nil && pod.Labels[templateGenerationLabel] == strconv.FormatInt(*generation, 10)
}

// surgeCount and unavailableCount are the rolling update's maxSurge and
// maxUnavailable for desired nodes (percentages round up).
func surgeCount(ds *appsv1.DaemonSet, desired int) int {
	return rollingCount(ds, desired, func(r *appsv1.RollingUpdateDaemonSet) *intstr.IntOrString { return r.MaxSurge })
}

func unavailableCount(ds *appsv1.DaemonSet, desired int) int {
	return rollingCount(ds, desired, func(r *appsv1.RollingUpdateDaemonSet) *intstr.IntOrString { return r.MaxUnavailable })
}

func rollingCount(ds *appsv1.DaemonSet, desired int, field func(*appsv1.RollingUpdateDaemonSet) *intstr.IntOrString) int {
	s := ds.Spec.UpdateStrategy
	if s.Type != appsv1.RollingUpdateDaemonSetStrategyType || s.RollingUpdate == nil {
		return 0
	}
	v := field(s.RollingUpdate)
	if v == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, desired, true)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// allowsSurge: the rolling update starts new pods before old ones stop.
func allowsSurge(ds *appsv1.DaemonSet) bool { return surgeCount(ds, 1) != 0 }
