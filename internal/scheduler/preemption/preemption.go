// Package preemption is the pure core of upstream kube-scheduler's default
// preemption (the DefaultPreemption PostFilter plugin): given a pod that did
// not fit anywhere, it finds the node where evicting the fewest and least
// important lower-priority pods lets the pod fit, and names those victims.
// It does no I/O: the scheduling loop nominates the node, evicts the victims
// and requeues the pod.
package preemption

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"

	"orca/internal/scheduler/framework"
)

// Upstream's DefaultPreemptionArgs defaults: dry-run preemption until at
// least max(10% of the potential nodes, 100) candidates are found (capped
// at the number of potential nodes).
const (
	MinCandidateNodesPercentage = 10
	MinCandidateNodesAbsolute   = 100
)

// Reasons used in statuses, as upstream words them.
const (
	msgPrefix            = "preemption: "
	msgNotEligible       = "not eligible due to "
	ReasonNoVictims      = "No preemption victims found for incoming pod"
	ReasonNotHelpful     = "Preemption is not helpful for scheduling"
	reasonPolicyNever    = msgNotEligible + "preemptionPolicy=Never."
	reasonTerminatingPod = msgNotEligible + "a terminating pod on the nominated node."
)

// Input is everything one preemption attempt reads. Nothing in it is
// modified.
type Input struct {
	Framework *framework.Framework
	// State is the failed cycle's state (after PreFilter). It is cloned per
	// node, never modified. It must come from the same Snapshot.
	State *framework.CycleState
	// Pod is the preemptor.
	Pod *corev1.Pod
	// Snapshot is the snapshot the failed cycle ran on.
	Snapshot *framework.Snapshot
	// Diagnosis comes from the FitError; nodes it marks
	// UnschedulableAndUnresolvable are not tried. nil: try every node.
	Diagnosis *framework.Diagnosis
	// PDBs are all PodDisruptionBudgets (any namespace; matched by namespace
	// and selector here).
	PDBs []*policyv1.PodDisruptionBudget
	// RerunPreFilter forces every what-if check to re-run PreFilter over a
	// copy of the snapshot with the node modified, instead of reusing State
	// when the pod's PreFilter results cannot depend on other pods. It is
	// the safe setting for plugins unknown to this package; tests use it
	// to check that both ways agree.
	RerunPreFilter bool
}

// Candidate is a node on which the preemptor fits once Victims are gone.
// Victims are sorted most important first; they are the snapshot's pod
// objects and must not be modified. PDBViolations counts the victims whose
// eviction would take a PodDisruptionBudget below zero allowed disruptions.
type Candidate struct {
	Node          string
	Victims       []*corev1.Pod
	PDBViolations int
}

// Preempt returns the node to nominate and the victims to evict, or nil and
// the reason when preemption cannot help. The status is then Unschedulable
// (message prefixed "preemption: ", as upstream's PostFilter) or Error for
// an internal failure; IsNotEligible tells a pod that may not preempt
// (keep its nominatedNodeName) from one for which no node helps (upstream
// clears its nominatedNodeName).
func Preempt(ctx context.Context, in Input) (*Candidate, *framework.Status) {
	if ok, why := eligible(in); !ok {
		return nil, framework.NewStatus(framework.Unschedulable, msgPrefix+why)
	}
	all := in.Snapshot.List()
	if len(all) == 0 {
		return nil, framework.AsStatus(framework.ErrNoNodesAvailable)
	}
	index := make(map[string]int, len(all))
	var potential []int // indices into all, snapshot order
	for i, ni := range all {
		index[ni.NodeName()] = i
		if nodeStatus(in.Diagnosis, ni.NodeName()).Code() != framework.UnschedulableAndUnresolvable {
			potential = append(potential, i)
		}
	}
	d := framework.NewDiagnosis()
	d.AbsentNodesStatus = framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNotHelpful)
	var cands []*Candidate
	if len(potential) > 0 {
		var err error
		cands, err = dryRun(ctx, in, all, potential, d)
		if err != nil && len(cands) == 0 {
			return nil, framework.AsStatus(err)
		}
	}
	if len(cands) == 0 {
		fe := &framework.FitError{Pod: in.Pod, NumAllNodes: len(all), Diagnosis: d}
		return nil, framework.NewStatus(framework.Unschedulable, msgPrefix+fe.Error())
	}
	sort.SliceStable(cands, func(i, j int) bool { return index[cands[i].Node] < index[cands[j].Node] })
	return pickOne(cands), nil
}

// IsNotEligible reports whether Preempt refused because the pod may not
// preempt now (preemptionPolicy Never, or victims of an earlier preemption
// still terminating on its nominated node).
func IsNotEligible(st *framework.Status) bool {
	return st.Code() == framework.Unschedulable && strings.HasPrefix(st.Message(), msgPrefix+msgNotEligible)
}

// NumCandidates is how many candidates the dry run looks for among
// numNodes potential nodes.
func NumCandidates(numNodes int) int {
	n := numNodes * MinCandidateNodesPercentage / 100
	n = max(n, MinCandidateNodesAbsolute)
	return min(n, numNodes)
}

// eligible is upstream's PodEligibleToPreemptOthers.
func eligible(in Input) (bool, string) {
	pod := in.Pod
	if p := pod.Spec.PreemptionPolicy; p != nil && *p == corev1.PreemptNever {
		return false, reasonPolicyNever
	}
	nom := pod.Status.NominatedNodeName
	if nom == "" {
		return true, ""
	}
	// The nominated node can no longer take the pod: preempt elsewhere.
	if nodeStatus(in.Diagnosis, nom).Code() == framework.UnschedulableAndUnresolvable {
		return true, ""
	}
	ni, err := in.Snapshot.Get(nom)
	if err != nil {
		return true, ""
	}
	prio := PodPriority(pod)
	for _, pi := range ni.Pods {
		if PodPriority(pi.Pod) < prio && terminatingByPreemption(pi.Pod) {
			return false, reasonTerminatingPod
		}
	}
	return true, ""
}

// terminatingByPreemption: deleted, with the DisruptionTarget condition the
// scheduler sets before evicting a victim.
func terminatingByPreemption(p *corev1.Pod) bool {
	if p.DeletionTimestamp == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.DisruptionTarget {
			return c.Status == corev1.ConditionTrue && c.Reason == corev1.PodReasonPreemptionByScheduler
		}
	}
	return false
}

// nodeStatus is the failed cycle's verdict on a node (nil: none recorded).
func nodeStatus(d *framework.Diagnosis, node string) *framework.Status {
	if d == nil {
		return nil
	}
	if st, ok := d.NodeToStatus[node]; ok {
		return st
	}
	return d.AbsentNodesStatus
}

// PodPriority is spec.priority, 0 when unset (as upstream's helper).
func PodPriority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}

// dryRun simulates preemption on the potential nodes, starting at a random
// offset (Framework.Rand; 0 without one) and stopping once enough
// candidates are found: at least one without PDB violations and
// NumCandidates in all, as upstream. Nodes run in parallel batches but are
// taken strictly in order, so the outcome equals a sequential scan.
// Statuses of nodes that cannot become candidates go into d.
func dryRun(ctx context.Context, in Input, all []*framework.NodeInfo, potential []int, d *framework.Diagnosis) ([]*Candidate, error) {
	n := len(potential)
	want := NumCandidates(n)
	offset := 0
	if r := in.Framework.Rand; r != nil {
		offset = r.IntN(n)
	}
	pdbs := parsePDBs(in.PDBs)
	rerun := in.RerunPreFilter || preFilterDependsOnPods(in)
	type result struct {
		c   *Candidate
		st  *framework.Status
		err error
	}
	results := make([]result, min(want, n))
	var nonViolating, violating []*Candidate
	var firstErr error
	for done := 0; done < n && !(len(nonViolating) > 0 && len(nonViolating)+len(violating) >= want); {
		size := min(len(results), n-done)
		base := offset + done
		framework.Parallelize(ctx, in.Framework.Parallelism, size, func(i int) {
			idx := potential[(base+i)%n]
			sim := newSim(in, all, idx, rerun)
			victims, nv, st := selectVictims(ctx, sim, pdbs)
			switch {
			case st.Code() == framework.Error:
				results[i] = result{err: st.AsError()}
			case !st.IsSuccess():
				results[i] = result{st: st}
			default:
				results[i] = result{c: &Candidate{Node: all[idx].NodeName(), Victims: victims, PDBViolations: nv}}
			}
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i := 0; i < size; i++ {
			if len(nonViolating) > 0 && len(nonViolating)+len(violating) >= want {
				break
			}
			r := results[i]
			name := all[potential[(base+i)%n]].NodeName()
			switch {
			case r.err != nil:
				if firstErr == nil {
					firstErr = fmt.Errorf("preemption on node %q: %w", name, r.err)
				}
				d.NodeToStatus[name] = framework.AsStatus(r.err)
			case r.c == nil:
				d.NodeToStatus[name] = r.st
			case r.c.PDBViolations == 0:
				nonViolating = append(nonViolating, r.c)
			default:
				violating = append(violating, r.c)
			}
			done++
		}
		clear(results)
	}
	return append(nonViolating, violating...), firstErr
}

// pickOne is upstream's pickOneNodeForPreemption over candidates in
// snapshot order: fewest PDB violations, then the lowest highest-victim
// priority, the smallest sum of victim priorities, the fewest victims, the
// latest start among the highest-priority victims; then the first.
func pickOne(cands []*Candidate) *Candidate {
	scores := []func(c *Candidate) int64{
		func(c *Candidate) int64 { return -int64(c.PDBViolations) },
		func(c *Candidate) int64 { return -int64(PodPriority(c.Victims[0])) },
		func(c *Candidate) int64 {
			var sum int64
			for _, p := range c.Victims {
				// Shift priorities to be >= 0, so more pods never sum lower.
				sum += int64(PodPriority(p)) + math.MaxInt32 + 1
			}
			return -sum
		},
		func(c *Candidate) int64 { return -int64(len(c.Victims)) },
		func(c *Candidate) int64 { return earliestStartOfTopVictims(c.Victims) },
	}
	for _, score := range scores {
		best := int64(math.MinInt64)
		var kept []*Candidate
		for _, c := range cands {
			s := score(c)
			if s > best {
				best, kept = s, kept[:0]
			}
			if s == best {
				kept = append(kept, c)
			}
		}
		if len(kept) == 1 {
			return kept[0]
		}
		cands = kept
	}
	return cands[0]
}

// earliestStartOfTopVictims is the earliest start time (UnixNano) among the
// victims that share the highest priority; a pod not started yet counts as
// starting now, i.e. later than any started pod.
func earliestStartOfTopVictims(victims []*corev1.Pod) int64 {
	top := PodPriority(victims[0])
	earliest := int64(math.MaxInt64)
	for _, p := range victims {
		if PodPriority(p) == top {
			earliest = min(earliest, startNano(p))
		}
	}
	return earliest
}

func startNano(p *corev1.Pod) int64 {
	if p.Status.StartTime == nil {
		return math.MaxInt64
	}
	return p.Status.StartTime.UnixNano()
}

// moreImportant orders by priority, then earlier start (upstream's
// MoreImportantPod).
func moreImportant(a, b *corev1.Pod) bool {
	pa, pb := PodPriority(a), PodPriority(b)
	if pa != pb {
		return pa > pb
	}
	return startNano(a) < startNano(b)
}
