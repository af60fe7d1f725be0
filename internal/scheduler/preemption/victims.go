package preemption

import (
	"context"
	"sort"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"orca/internal/scheduler/framework"
)

// sim is one node's what-if: a private copy of the node whose pods are
// removed and added back, and a way to ask whether the preemptor fits it.
//
// The framework has no PreFilter AddPod/RemovePod extensions, so state
// computed by PreFilter cannot be patched as pods come and go. Two ways:
//   - reuse (the common case): when no PreFilter result can depend on the
//     pods of the cluster (see preFilterDependsOnPods), a clone of the
//     failed cycle's state is valid for any pod set, and each check just
//     re-runs the filters on the modified node (resources, ports, taints,
//     node affinity, node name, unschedulable read the NodeInfo directly);
//   - rerun: otherwise each check runs PreFilter afresh on a copy of the
//     snapshot in which this node is replaced by its modified copy, then
//     the filters. This is what keeps inter-pod (anti-)affinity and
//     topology spread counts right, at O(cluster pods) per check.
type sim struct {
	f     *framework.Framework
	pod   *corev1.Pod
	ni    *framework.NodeInfo // working copy
	state *framework.CycleState
	snap  *framework.Snapshot // rerun only: this node's private snapshot copy
	idx   int
}

func newSim(in Input, all []*framework.NodeInfo, idx int, rerun bool) *sim {
	s := &sim{f: in.Framework, pod: in.Pod, ni: all[idx].Clone(), idx: idx}
	if rerun {
		s.snap = in.Snapshot.ShallowCopy()
	} else {
		s.state = in.State.Clone()
	}
	return s
}

func (s *sim) remove(pi *framework.PodInfo) error { return s.ni.RemovePod(pi.Pod) }
func (s *sim) add(pi *framework.PodInfo)          { s.ni.AddPodInfo(pi) }

// fits runs the preemptor through the filters against the node as it is now.
func (s *sim) fits(ctx context.Context) *framework.Status {
	if s.snap == nil {
		return s.f.RunFilterPlugins(ctx, s.state, s.pod, s.ni)
	}
	// A fresh clone each time: Snapshot.Replace needs a NodeInfo distinct
	// from the one it replaces to notice affinity-list changes.
	view := s.ni.Clone()
	s.snap.Replace(s.idx, view)
	s.snap.Refresh(nil)
	state := framework.NewCycleState()
	res, st := s.f.RunPreFilterPlugins(ctx, state, s.pod, s.snap)
	if !st.IsSuccess() {
		return st
	}
	if !res.AllNodes() && !res.NodeNames.Has(view.NodeName()) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) didn't satisfy the PreFilter result")
	}
	return s.f.RunFilterPlugins(ctx, state, s.pod, view)
}

// preFilterDependsOnPods reports whether the default plugins' PreFilter
// state for the preemptor could change when pods are removed from a node:
// InterPodAffinity (the pod's required pod (anti-)affinity, or any pod in
// the cluster with required anti-affinity) and PodTopologySpread (hard
// constraints). Without a usable State (missing, or PreFilter rejected the
// pod) the rerun path is taken as well.
func preFilterDependsOnPods(in Input) bool {
	if in.State == nil || (in.Diagnosis != nil && in.Diagnosis.PreFilterMsg != "") {
		return true
	}
	if len(in.Snapshot.HavePodsWithRequiredAntiAffinityList()) > 0 {
		return true
	}
	if a := in.Pod.Spec.Affinity; a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil) {
		return true
	}
	for _, c := range in.Pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable == corev1.DoNotSchedule {
			return true
		}
	}
	return false
}

// selectVictims is upstream's SelectVictimsOnNode: remove every pod of lower
// priority than the preemptor; if the preemptor then fits, add them back one
// by one, most important first — those whose eviction would violate a PDB
// before the others — keeping evicted only those without which it no longer
// fits. It returns the victims (most important first) and how many of them
// violate a PDB.
func selectVictims(ctx context.Context, s *sim, pdbs []pdbInfo) ([]*corev1.Pod, int, *framework.Status) {
	prio := PodPriority(s.pod)
	var potential []*framework.PodInfo
	for _, pi := range s.ni.Pods {
		if PodPriority(pi.Pod) < prio {
			potential = append(potential, pi)
		}
	}
	if len(potential) == 0 {
		return nil, 0, framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNoVictims)
	}
	for _, pi := range potential {
		if err := s.remove(pi); err != nil {
			return nil, 0, framework.AsStatus(err)
		}
	}
	if st := s.fits(ctx); !st.IsSuccess() {
		return nil, 0, st
	}
	sort.SliceStable(potential, func(i, j int) bool { return moreImportant(potential[i].Pod, potential[j].Pod) })
	violatingPods, others := splitByPDBViolation(potential, pdbs)

	var victims []*corev1.Pod
	// reprieve puts pi back; if the preemptor no longer fits, pi stays a victim.
	reprieve := func(pi *framework.PodInfo) (bool, *framework.Status) {
		s.add(pi)
		st := s.fits(ctx)
		if st.IsSuccess() {
			return true, nil
		}
		if st.Code() == framework.Error {
			return false, st
		}
		if err := s.remove(pi); err != nil {
			return false, framework.AsStatus(err)
		}
		victims = append(victims, pi.Pod)
		return false, nil
	}
	numViolating := 0
	for _, pi := range violatingPods {
		ok, st := reprieve(pi)
		if st != nil {
			return nil, 0, st
		}
		if !ok {
			numViolating++
		}
	}
	for _, pi := range others {
		if _, st := reprieve(pi); st != nil {
			return nil, 0, st
		}
	}
	if len(violatingPods) > 0 && len(others) > 0 {
		sort.SliceStable(victims, func(i, j int) bool { return moreImportant(victims[i], victims[j]) })
	}
	return victims, numViolating, nil
}

// pdbInfo is a PDB with its selector parsed once per preemption attempt.
// sel is nil for a PDB that selects nothing (nil, empty or invalid).
type pdbInfo struct {
	namespace string
	sel       labels.Selector
	disrupted map[string]metav1.Time
	allowed   int32
}

func parsePDBs(in []*policyv1.PodDisruptionBudget) []pdbInfo {
	out := make([]pdbInfo, 0, len(in))
	for _, pdb := range in {
		info := pdbInfo{namespace: pdb.Namespace, disrupted: pdb.Status.DisruptedPods, allowed: pdb.Status.DisruptionsAllowed}
		if sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err == nil && !sel.Empty() {
			info.sel = sel
		}
		out = append(out, info)
	}
	return out
}

// splitByPDBViolation keeps the order of pods and sorts them into those
// whose eviction would take a matching PDB below zero allowed disruptions
// and the rest. Evictions are counted cumulatively per PDB over the given
// pods (all of the node's potential victims, as upstream); pods already
// listed in a PDB's disruptedPods were counted by the apiserver already.
func splitByPDBViolation(pods []*framework.PodInfo, pdbs []pdbInfo) (violating, others []*framework.PodInfo) {
	allowed := make([]int32, len(pdbs))
	for i := range pdbs {
		allowed[i] = pdbs[i].allowed
	}
	for _, pi := range pods {
		p := pi.Pod
		violates := false
		if len(p.Labels) > 0 {
			for i := range pdbs {
				b := &pdbs[i]
				if b.sel == nil || b.namespace != p.Namespace || !b.sel.Matches(labels.Set(p.Labels)) {
					continue
				}
				if _, ok := b.disrupted[p.Name]; ok {
					continue
				}
				allowed[i]--
				if allowed[i] < 0 {
					violates = true
				}
			}
		}
		if violates {
			violating = append(violating, pi)
		} else {
			others = append(others, pi)
		}
	}
	return violating, others
}
