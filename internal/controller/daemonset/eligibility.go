package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
)

// Taint keys of upstream's node lifecycle, which every daemon pod
// tolerates (a daemon is the node's own: it runs through the node's
// troubles rather than being evicted by them).
const (
	taintNotReady           = "node.kubernetes.io/not-ready"
	taintUnreachable        = "node.kubernetes.io/unreachable"
	taintDiskPressure       = "node.kubernetes.io/disk-pressure"
	taintMemoryPressure     = "node.kubernetes.io/memory-pressure"
	taintPIDPressure        = "node.kubernetes.io/pid-pressure"
	taintUnschedulable      = "node.kubernetes.io/unschedulable"
	taintNetworkUnavailable = "node.kubernetes.io/network-unavailable"
)

// defaultTolerations are upstream's daemon tolerations for a pod spec,
// in upstream's order. NoExecute ones have no tolerationSeconds: a daemon
// pod is never evicted for them.
func defaultTolerations(spec *v1.PodSpec) []v1.Toleration {
	t := []v1.Toleration{
		{Key: taintNotReady, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute},
		{Key: taintUnreachable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute},
		{Key: taintDiskPressure, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule},
		{Key: taintMemoryPressure, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule},
		{Key: taintPIDPressure, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule},
		{Key: taintUnschedulable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule},
	}
	if spec.HostNetwork {
		t = append(t, v1.Toleration{Key: taintNetworkUnavailable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule})
	}
	return t
}

// addDefaultTolerations adds the daemon tolerations to spec. A toleration
// of the same key, operator, value and effect is replaced in place (so a
// user's not-ready toleration with tolerationSeconds loses its seconds, as
// upstream); the others are appended.
func addDefaultTolerations(spec *v1.PodSpec) {
	for _, want := range defaultTolerations(spec) {
		found := false
		for i := range spec.Tolerations {
			if spec.Tolerations[i].MatchToleration(&want) {
				spec.Tolerations[i] = want
				found = true
			}
		}
		if !found {
			spec.Tolerations = append(spec.Tolerations, want)
		}
	}
}

// podForNode is the pod the DaemonSet would run on node, for the
// eligibility checks: the template with the default tolerations.
func podForNode(ds *appsv1.DaemonSet, node string) *v1.Pod {
	p := &v1.Pod{ObjectMeta: *ds.Spec.Template.ObjectMeta.DeepCopy(), Spec: *ds.Spec.Template.Spec.DeepCopy()}
	p.Namespace = ds.Namespace
	p.Spec.NodeName = node
	addDefaultTolerations(&p.Spec)
	return p
}

// shouldRun says whether ds wants a pod on node: run (a node without a
// daemon pod should get one) and keep (a daemon pod already there may
// stay). They differ on a node with a NoSchedule taint the pod does not
// tolerate: no new pod, but a running one stays; a NoExecute taint it
// does not tolerate means neither.
func shouldRun(node *v1.Node, ds *appsv1.DaemonSet) (run, keep bool) {
	if n := ds.Spec.Template.Spec.NodeName; n != "" && n != node.Name {
		return false, false
	}
	pod := podForNode(ds, node.Name)
	// A selector that does not parse matches nothing (upstream ignores
	// the error the same way).
	if ok, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node); !ok {
		return false, false
	}
	if untolerated(node.Spec.Taints, pod.Spec.Tolerations, v1.TaintEffectNoSchedule, v1.TaintEffectNoExecute) {
		return false, !untolerated(node.Spec.Taints, pod.Spec.Tolerations, v1.TaintEffectNoExecute)
	}
	return true, true
}

// untolerated reports whether a taint with one of effects is not
// tolerated.
func untolerated(taints []v1.Taint, tols []v1.Toleration, effects ...v1.TaintEffect) bool {
	_, found := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), taints, tols, func(t *v1.Taint) bool {
		for _, e := range effects {
			if t.Effect == e {
				return true
			}
		}
		return false
	}, false)
	return found
}

// pinToNode makes the pod's required node affinity select exactly node
// (matchFields metadata.name), so the default scheduler binds it there.
// The controller checked the template's own node affinity against the
// node already, so replacing its terms loses nothing (upstream ≥ 1.12).
func pinToNode(a *v1.Affinity, node string) *v1.Affinity {
	sel := &v1.NodeSelector{NodeSelectorTerms: []v1.NodeSelectorTerm{{
		MatchFields: []v1.NodeSelectorRequirement{{Key: "metadata.name", Operator: v1.NodeSelectorOpIn, Values: []string{node}}},
	}}}
	if a == nil {
		a = &v1.Affinity{}
	}
	if a.NodeAffinity == nil {
		a.NodeAffinity = &v1.NodeAffinity{}
	}
	a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = sel
	return a
}

// targetNode is the node a daemon pod is for: where it is bound, or else
// the node its affinity pins it to ("" when neither).
func targetNode(p *v1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	for _, t := range terms {
		for _, r := range t.MatchFields {
			if r.Key == "metadata.name" && r.Operator == v1.NodeSelectorOpIn && len(r.Values) == 1 {
				return r.Values[0]
			}
		}
	}
	return ""
}
