package disruption

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// pod is a Ready pod named name, controlled by owner (a UID; "" for none).
func pod(name string, owner types.UID) *v1.Pod {
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Status: v1.PodStatus{Phase: v1.PodRunning, Conditions: []v1.PodCondition{
			{Type: v1.PodReady, Status: v1.ConditionTrue},
		}},
	}
	if owner != "" {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: string(owner), UID: owner, Controller: &yes}}
	}
	return p
}

func unready(p *v1.Pod) *v1.Pod {
	p.Status.Conditions[0].Status = v1.ConditionFalse
	return p
}

func deleting(p *v1.Pod) *v1.Pod {
	now := metav1.NewTime(t0)
	p.DeletionTimestamp = &now
	return p
}

// scales is a scaleFinder over controller UID → replicas; "broken" fails.
type scales map[types.UID]int32

func (s scales) find(_ context.Context, ref *metav1.OwnerReference, _ string) (*scale, error) {
	if ref.UID == "broken" {
		return nil, errors.New("lookup failed")
	}
	n, ok := s[ref.UID]
	if !ok {
		return nil, nil
	}
	return &scale{ref.UID, n}, nil
}

func ptr(v intstr.IntOrString) *intstr.IntOrString { return &v }

func TestExpectedPodCount(t *testing.T) {
	three := []*v1.Pod{pod("a", "rs"), pod("b", "rs"), pod("c", "rs")}
	cases := []struct {
		name              string
		min, max          *intstr.IntOrString
		pods              []*v1.Pod
		scales            scales
		expected, desired int32
		unmanaged         int
		err               string
	}{
		{name: "minAvailable int counts matching pods, needs no controller",
			min: ptr(intstr.FromInt32(2)), pods: []*v1.Pod{pod("a", ""), pod("b", ""), pod("c", "")}, expected: 3, desired: 2},
		{name: "minAvailable int above the pods",
			min: ptr(intstr.FromInt32(5)), pods: three, expected: 3, desired: 5},
		{name: "minAvailable percent uses the controller's scale",
			min: ptr(intstr.FromString("50%")), pods: three[:2], scales: scales{"rs": 3}, expected: 3, desired: 2},
		{name: "minAvailable percent rounds up",
			min: ptr(intstr.FromString("34%")), pods: three, scales: scales{"rs": 3}, expected: 3, desired: 2},
		{name: "minAvailable 100%",
			min: ptr(intstr.FromString("100%")), pods: three, scales: scales{"rs": 3}, expected: 3, desired: 3},
		{name: "minAvailable percent without controllers: nothing expected",
			min: ptr(intstr.FromString("50%")), pods: []*v1.Pod{pod("a", ""), pod("b", "")}, expected: 0, desired: 0, unmanaged: 2},
		{name: "maxUnavailable int",
			max: ptr(intstr.FromInt32(1)), pods: three, scales: scales{"rs": 3}, expected: 3, desired: 2},
		{name: "maxUnavailable percent rounds up (fewer must be healthy)",
			max: ptr(intstr.FromString("34%")), pods: three, scales: scales{"rs": 3}, expected: 3, desired: 1},
		{name: "maxUnavailable above the scale clamps at zero",
			max: ptr(intstr.FromInt32(5)), pods: three, scales: scales{"rs": 3}, expected: 3, desired: 0},
		{name: "maxUnavailable 0",
			max: ptr(intstr.FromInt32(0)), pods: three, scales: scales{"rs": 3}, expected: 3, desired: 3},
		{name: "two controllers add up, each once",
			max: ptr(intstr.FromInt32(1)), pods: append([]*v1.Pod{pod("d", "ss"), pod("e", "ss")}, three...), scales: scales{"rs": 3, "ss": 4}, expected: 7, desired: 6},
		{name: "unmanaged pods beside a controller",
			max: ptr(intstr.FromInt32(1)), pods: append([]*v1.Pod{pod("x", "")}, three...), scales: scales{"rs": 3}, expected: 3, desired: 2, unmanaged: 1},
		{name: "maxUnavailable with only unmanaged pods",
			max: ptr(intstr.FromInt32(1)), pods: []*v1.Pod{pod("x", "")}, expected: 0, desired: 0, unmanaged: 1},
		{name: "controller not found",
			max: ptr(intstr.FromInt32(1)), pods: three, err: `found no controllers for pod "a"`},
		{name: "controller lookup fails",
			min: ptr(intstr.FromString("50%")), pods: []*v1.Pod{pod("a", "broken")}, err: "lookup failed"},
		{name: "invalid percent",
			min: ptr(intstr.FromString("half")), pods: three, scales: scales{"rs": 3}, err: "invalid value"},
		{name: "neither set", pods: three},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := policyv1.PodDisruptionBudgetSpec{MinAvailable: tc.min, MaxUnavailable: tc.max}
			exp, des, unm, err := expectedPodCount(context.Background(), spec, tc.pods, tc.scales.find)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if exp != tc.expected || des != tc.desired || len(unm) != tc.unmanaged {
				t.Errorf("expected %d desiredHealthy %d unmanaged %v, want %d %d %d", exp, des, unm, tc.expected, tc.desired, tc.unmanaged)
			}
		})
	}
}

func TestNewStatus(t *testing.T) {
	cases := []struct {
		current, desired, expected int32
		allowed                    int32
		condStatus                 metav1.ConditionStatus
		reason                     string
	}{
		{3, 2, 3, 1, metav1.ConditionTrue, policyv1.SufficientPodsReason},
		{3, 0, 3, 3, metav1.ConditionTrue, policyv1.SufficientPodsReason},
		{2, 2, 3, 0, metav1.ConditionFalse, policyv1.InsufficientPodsReason},
		{1, 2, 3, 0, metav1.ConditionFalse, policyv1.InsufficientPodsReason},
		// Nothing expected yet (no controller seen): no disruption, however healthy.
		{2, 0, 0, 0, metav1.ConditionFalse, policyv1.InsufficientPodsReason},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d-%d-%d", tc.current, tc.desired, tc.expected), func(t *testing.T) {
			pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Generation: 4}}
			s := newStatus(pdb, tc.current, tc.desired, tc.expected, map[string]metav1.Time{})
			if s.DisruptionsAllowed != tc.allowed || s.CurrentHealthy != tc.current || s.DesiredHealthy != tc.desired || s.ExpectedPods != tc.expected {
				t.Errorf("status %+v, want allowed %d", s, tc.allowed)
			}
			if s.ObservedGeneration != 4 {
				t.Errorf("observedGeneration %d, want 4", s.ObservedGeneration)
			}
			c := apimeta.FindStatusCondition(s.Conditions, policyv1.DisruptionAllowedCondition)
			if c == nil || c.Status != tc.condStatus || c.Reason != tc.reason || c.ObservedGeneration != 4 {
				t.Errorf("condition %+v, want %s %s", c, tc.condStatus, tc.reason)
			}
			if pdb.Status.Conditions != nil {
				t.Error("newStatus changed the budget's own conditions")
			}
		})
	}
}

func TestStatusUpToDate(t *testing.T) {
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Generation: 2}}
	pdb.Status = newStatus(pdb, 3, 2, 3, map[string]metav1.Time{})
	if !statusUpToDate(pdb, newStatus(pdb, 3, 2, 3, map[string]metav1.Time{})) {
		t.Error("same numbers: not up to date")
	}
	if statusUpToDate(pdb, newStatus(pdb, 2, 2, 3, map[string]metav1.Time{})) {
		t.Error("fewer healthy: up to date")
	}
	if statusUpToDate(pdb, newStatus(pdb, 3, 2, 3, map[string]metav1.Time{"a": metav1.NewTime(t0)})) {
		t.Error("new disrupted pod: up to date")
	}
	bumped := pdb.DeepCopy()
	bumped.Generation = 3
	if statusUpToDate(bumped, newStatus(bumped, 3, 2, 3, map[string]metav1.Time{})) {
		t.Error("spec changed (generation 3, observed 2): up to date")
	}
	failed := pdb.DeepCopy()
	failed.Status = failSafeStatus(pdb, errors.New("x"))
	failed.Status.DisruptionsAllowed = 1
	if statusUpToDate(failed, newStatus(pdb, 3, 2, 3, map[string]metav1.Time{})) {
		t.Error("condition SyncFailed: up to date")
	}
}

func TestDisruptedPods(t *testing.T) {
	at := func(ago time.Duration) metav1.Time { return metav1.NewTime(t0.Add(-ago)) }
	pdb := &policyv1.PodDisruptionBudget{Status: policyv1.PodDisruptionBudgetStatus{DisruptedPods: map[string]metav1.Time{
		"fresh":    at(30 * time.Second),
		"fresher":  at(10 * time.Second),
		"old":      at(3 * time.Minute),
		"deleting": at(10 * time.Second),
		"gone":     at(10 * time.Second),
	}}}
	matched := []*v1.Pod{pod("fresh", ""), pod("fresher", ""), pod("old", ""), deleting(pod("deleting", "")), pod("other", "")}
	kept, expired, recheck := disruptedPods(pdb, matched, t0)
	if _, a := kept["fresh"]; !a || len(kept) != 2 || kept["fresher"].Time.IsZero() {
		t.Errorf("kept %v, want fresh and fresher", kept)
	}
	if len(expired) != 1 || expired[0].Name != "old" {
		t.Errorf("expired %v, want old", expired)
	}
	if want := t0.Add(-30 * time.Second).Add(DeletionTimeout); !recheck.Equal(want) {
		t.Errorf("recheck %v, want %v (the earliest expiry)", recheck, want)
	}
	if kept, _, recheck := disruptedPods(&policyv1.PodDisruptionBudget{}, matched, t0); len(kept) != 0 || !recheck.IsZero() {
		t.Errorf("no disruptedPods: kept %v recheck %v", kept, recheck)
	}
}

func TestCountHealthy(t *testing.T) {
	matched := []*v1.Pod{
		pod("ready", ""),
		unready(pod("unready", "")),
		deleting(pod("deleting", "")),
		pod("evicted", ""),
		pod("evicted-long-ago", ""),
	}
	disrupted := map[string]metav1.Time{
		"evicted":          metav1.NewTime(t0.Add(-time.Second)),
		"evicted-long-ago": metav1.NewTime(t0.Add(-3 * time.Minute)),
	}
	if got := countHealthy(matched, disrupted, t0); got != 2 {
		t.Errorf("healthy %d, want 2 (ready, evicted-long-ago)", got)
	}
}

func TestFailSafeStatus(t *testing.T) {
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	pdb.Generation = 2
	pdb.Status = newStatus(pdb, 3, 1, 3, nil)
	pdb.Generation = 3
	s := failSafeStatus(pdb, errors.New("found no controllers for pod \"a\""))
	if s.DisruptionsAllowed != 0 || s.CurrentHealthy != 3 || s.DesiredHealthy != 1 || s.ObservedGeneration != 2 {
		t.Errorf("status %+v: want allowed 0, other numbers and observedGeneration kept", s)
	}
	c := apimeta.FindStatusCondition(s.Conditions, policyv1.DisruptionAllowedCondition)
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != policyv1.SyncFailedReason || c.Message != `found no controllers for pod "a"` {
		t.Errorf("condition %+v, want False SyncFailed with the error", c)
	}
	if pdb.Status.DisruptionsAllowed != 2 {
		t.Error("failSafeStatus changed the budget")
	}
}
