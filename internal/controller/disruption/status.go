package disruption

import (
	"context"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	pdbhelper "k8s.io/component-helpers/apps/poddisruptionbudget"

	"orca/internal/controller/pods"
)

// DeletionTimeout is how long an eviction's entry in status.disruptedPods
// keeps its pod out of currentHealthy while waiting to see the pod marked
// for deletion; after it the eviction is assumed not to have happened.
const DeletionTimeout = 2 * time.Minute

// scale is a pod controller and its desired replicas.
type scale struct {
	uid      types.UID
	replicas int32
}

// scaleFinder finds the controller a pod's controllerRef names, with its
// scale: nil if that ref is not one the finder knows (or names an object
// that no longer exists), an error if it cannot tell.
type scaleFinder func(ctx context.Context, ref *metav1.OwnerReference, ns string) (*scale, error)

// expectedPodCount is upstream's getExpectedPodCount: how many pods the
// budget expects and how many of them must be healthy. An integer
// minAvailable needs no controller (expected = the pods that match); a
// percentage or any maxUnavailable uses the sum of the pods' controllers'
// replicas, and percentages round up. Pods without a controller are
// returned as unmanaged and do not count towards the controllers' scale.
func expectedPodCount(ctx context.Context, spec policyv1.PodDisruptionBudgetSpec, matched []*v1.Pod, find scaleFinder) (expected, desiredHealthy int32, unmanaged []string, err error) {
	switch {
	case spec.MaxUnavailable != nil:
		expected, unmanaged, err = expectedScale(ctx, matched, find)
		if err != nil {
			return 0, 0, nil, err
		}
		maxUnavailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MaxUnavailable, int(expected), true)
		if err != nil {
			return 0, 0, nil, err
		}
		desiredHealthy = max(expected-int32(maxUnavailable), 0)
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.Int:
		desiredHealthy = spec.MinAvailable.IntVal
		expected = int32(len(matched))
	case spec.MinAvailable != nil:
		expected, unmanaged, err = expectedScale(ctx, matched, find)
		if err != nil {
			return 0, 0, nil, err
		}
		minAvailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MinAvailable, int(expected), true)
		if err != nil {
			return 0, 0, nil, err
		}
		desiredHealthy = int32(minAvailable)
	}
	return expected, desiredHealthy, unmanaged, nil
}

// expectedScale sums the replicas of the controllers of the matched pods,
// each controller once. A pod whose controllerRef no finder resolves is an
// error ("found no controllers for pod"), as upstream.
func expectedScale(ctx context.Context, matched []*v1.Pod, find scaleFinder) (int32, []string, error) {
	seen := map[types.UID]bool{} // controllerRef UIDs already resolved
	scales := map[types.UID]int32{}
	var unmanaged []string
	for _, p := range matched {
		ref := metav1.GetControllerOf(p)
		if ref == nil {
			unmanaged = append(unmanaged, p.Name)
			continue
		}
		if seen[ref.UID] {
			continue
		}
		s, err := find(ctx, ref, p.Namespace)
		if err != nil {
			return 0, nil, err
		}
		if s == nil {
			return 0, nil, fmt.Errorf("found no controllers for pod %q", p.Name)
		}
		seen[ref.UID] = true
		scales[s.uid] = s.replicas
	}
	var sum int32
	for _, n := range scales {
		sum += n
	}
	return sum, unmanaged, nil
}

// disruptedPods keeps the entries of status.disruptedPods whose pod still
// exists, is not yet being deleted and whose eviction is younger than
// DeletionTimeout. It returns the kept map, the pods whose eviction timed
// out (for a NotDeleted event), and when the earliest kept entry expires.
func disruptedPods(pdb *policyv1.PodDisruptionBudget, matched []*v1.Pod, now time.Time) (kept map[string]metav1.Time, expired []*v1.Pod, recheck time.Time) {
	kept = map[string]metav1.Time{}
	if pdb.Status.DisruptedPods == nil {
		return kept, nil, time.Time{}
	}
	for _, p := range matched {
		if p.DeletionTimestamp != nil {
			continue
		}
		at, ok := pdb.Status.DisruptedPods[p.Name]
		if !ok {
			continue
		}
		deadline := at.Add(DeletionTimeout)
		if deadline.Before(now) {
			expired = append(expired, p)
			continue
		}
		kept[p.Name] = at
		if recheck.IsZero() || deadline.Before(recheck) {
			recheck = deadline
		}
	}
	return kept, expired, recheck
}

// countHealthy counts the Ready pods that are neither being deleted nor
// recently evicted.
func countHealthy(matched []*v1.Pod, disrupted map[string]metav1.Time, now time.Time) int32 {
	var n int32
	for _, p := range matched {
		if p.DeletionTimestamp != nil {
			continue
		}
		if at, ok := disrupted[p.Name]; ok && at.Add(DeletionTimeout).After(now) {
			continue
		}
		if pods.IsReady(p) {
			n++
		}
	}
	return n
}

// newStatus is the budget's status for the observed numbers; no
// disruption is allowed while nothing is expected (a budget whose first
// pods just appeared stays safe until it is synced again).
func newStatus(pdb *policyv1.PodDisruptionBudget, currentHealthy, desiredHealthy, expected int32, disrupted map[string]metav1.Time) policyv1.PodDisruptionBudgetStatus {
	allowed := currentHealthy - desiredHealthy
	if expected <= 0 || allowed <= 0 {
		allowed = 0
	}
	p := &policyv1.PodDisruptionBudget{Status: policyv1.PodDisruptionBudgetStatus{
		CurrentHealthy:     currentHealthy,
		DesiredHealthy:     desiredHealthy,
		ExpectedPods:       expected,
		DisruptionsAllowed: allowed,
		DisruptedPods:      disrupted,
		ObservedGeneration: pdb.Generation,
		Conditions:         cloneConditions(pdb.Status.Conditions),
	}}
	pdbhelper.UpdateDisruptionAllowedCondition(p)
	return p.Status
}

// statusUpToDate: the stored status already says what want says (so no
// write is needed).
func statusUpToDate(pdb *policyv1.PodDisruptionBudget, want policyv1.PodDisruptionBudgetStatus) bool {
	s := pdb.Status
	return s.CurrentHealthy == want.CurrentHealthy &&
		s.DesiredHealthy == want.DesiredHealthy &&
		s.ExpectedPods == want.ExpectedPods &&
		s.DisruptionsAllowed == want.DisruptionsAllowed &&
		apiequality.Semantic.DeepEqual(s.DisruptedPods, want.DisruptedPods) &&
		s.ObservedGeneration == pdb.Generation &&
		pdbhelper.ConditionsAreUpToDate(pdb)
}

// failSafeStatus is the status after a sync failed: no disruption allowed
// and condition DisruptionAllowed False with reason SyncFailed, so that
// the eviction handler refuses while the budget cannot be computed. The
// other numbers, observedGeneration included, stay as they were.
func failSafeStatus(pdb *policyv1.PodDisruptionBudget, err error) policyv1.PodDisruptionBudgetStatus {
	s := *pdb.Status.DeepCopy()
	s.DisruptionsAllowed = 0
	if s.Conditions == nil {
		s.Conditions = []metav1.Condition{}
	}
	apimeta.SetStatusCondition(&s.Conditions, metav1.Condition{
		Type:               policyv1.DisruptionAllowedCondition,
		Status:             metav1.ConditionFalse,
		Reason:             policyv1.SyncFailedReason,
		Message:            err.Error(),
		ObservedGeneration: s.ObservedGeneration,
	})
	return s
}

func cloneConditions(cs []metav1.Condition) []metav1.Condition {
	if cs == nil {
		return nil
	}
	return append([]metav1.Condition(nil), cs...)
}
