package nodelifecycle

import (
	"reflect"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func nodeWith(conds ...v1.NodeCondition) *v1.Node {
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Status: v1.NodeStatus{Conditions: conds}}
}

func cond(t v1.NodeConditionType, s v1.ConditionStatus) v1.NodeCondition {
	return v1.NodeCondition{Type: t, Status: s, Reason: "Kubelet", Message: "kubelet says so",
		LastHeartbeatTime: metav1.NewTime(t0.Add(-time.Minute)), LastTransitionTime: metav1.NewTime(t0.Add(-time.Hour))}
}

func leaseAt(t time.Time) *coordinationv1.Lease {
	mt := metav1.NewMicroTime(t)
	return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &mt}}
}

// A node is stale only when neither heartbeat moved for longer than the
// grace period, measured on the controller's clock.
func TestProbe(t *testing.T) {
	grace := 40 * time.Second
	node := nodeWith(cond(v1.NodeReady, v1.ConditionTrue))
	p := newProbe(node, leaseAt(t0.Add(-time.Hour)), t0) // old times: only change counts
	if p.stale(t0.Add(grace), grace) {
		t.Error("stale at exactly the grace period")
	}
	if !p.stale(t0.Add(grace+time.Millisecond), grace) {
		t.Error("not stale after the grace period without heartbeats")
	}
	// The lease moves at t0+30s: fresh until t0+70s.
	p.observe(node, leaseAt(t0.Add(-time.Hour+time.Second)), t0.Add(30*time.Second))
	if p.stale(t0.Add(60*time.Second), grace) || !p.stale(t0.Add(71*time.Second), grace) {
		t.Error("lease renewal did not restart the grace period")
	}
	// The same lease again is no sign of life.
	p.observe(node, leaseAt(t0.Add(-time.Hour+time.Second)), t0.Add(65*time.Second))
	if !p.stale(t0.Add(71*time.Second), grace) {
		t.Error("an unchanged lease counted as a heartbeat")
	}
	// A newer Ready heartbeat counts too.
	n2 := nodeWith(cond(v1.NodeReady, v1.ConditionTrue))
	n2.Status.Conditions[0].LastHeartbeatTime = metav1.NewTime(t0)
	p.observe(n2, nil, t0.Add(80*time.Second))
	if p.stale(t0.Add(100*time.Second), grace) {
		t.Error("node status heartbeat did not count")
	}
}

func TestMarkUnknown(t *testing.T) {
	now := t0
	node := nodeWith(cond(v1.NodeReady, v1.ConditionTrue), cond(v1.NodeMemoryPressure, v1.ConditionFalse),
		cond(v1.NodeDiskPressure, v1.ConditionUnknown), cond(v1.NodeNetworkUnavailable, v1.ConditionFalse))
	conds, changed := markUnknown(node, now)
	if !changed {
		t.Fatal("not changed")
	}
	byType := map[v1.NodeConditionType]v1.NodeCondition{}
	for _, c := range conds {
		byType[c.Type] = c
	}
	ready := byType[v1.NodeReady]
	if ready.Status != v1.ConditionUnknown || ready.Reason != "NodeStatusUnknown" || ready.Message != "Kubelet stopped posting node status." ||
		!ready.LastTransitionTime.Time.Equal(now) || !ready.LastHeartbeatTime.Time.Equal(t0.Add(-time.Minute)) {
		t.Errorf("Ready: %+v", ready)
	}
	if c := byType[v1.NodeMemoryPressure]; c.Status != v1.ConditionUnknown || c.Reason != "NodeStatusUnknown" {
		t.Errorf("MemoryPressure: %+v", c)
	}
	if c := byType[v1.NodeDiskPressure]; c.Reason != "Kubelet" || !c.LastTransitionTime.Time.Equal(t0.Add(-time.Hour)) {
		t.Errorf("already Unknown DiskPressure was rewritten: %+v", c)
	}
	if c := byType[v1.NodePIDPressure]; c.Status != v1.ConditionUnknown || c.Reason != "NodeStatusNeverUpdated" || c.Message != "Kubelet never posted node status." {
		t.Errorf("missing PIDPressure: %+v", c)
	}
	if c := byType[v1.NodeNetworkUnavailable]; c.Status != v1.ConditionFalse {
		t.Errorf("NetworkUnavailable is not the kubelet's: %+v", c)
	}
	if node.Status.Conditions[0].Status != v1.ConditionTrue {
		t.Error("input modified")
	}
	node.Status.Conditions = conds
	if _, changed := markUnknown(node, now.Add(time.Second)); changed {
		t.Error("second pass changed again")
	}
}

func TestWantedTaints(t *testing.T) {
	ns := func(k string) v1.Taint { return v1.Taint{Key: k, Effect: v1.TaintEffectNoSchedule} }
	ne := func(k string) v1.Taint { return v1.Taint{Key: k, Effect: v1.TaintEffectNoExecute} }
	for name, tc := range map[string]struct {
		node *v1.Node
		want []v1.Taint
	}{
		"healthy":          {nodeWith(cond(v1.NodeReady, v1.ConditionTrue), cond(v1.NodeMemoryPressure, v1.ConditionFalse)), nil},
		"never posted":     {nodeWith(), nil},
		"not ready":        {nodeWith(cond(v1.NodeReady, v1.ConditionFalse)), []v1.Taint{ns(v1.TaintNodeNotReady), ne(v1.TaintNodeNotReady)}},
		"unreachable":      {nodeWith(cond(v1.NodeReady, v1.ConditionUnknown)), []v1.Taint{ns(v1.TaintNodeUnreachable), ne(v1.TaintNodeUnreachable)}},
		"memory":           {nodeWith(cond(v1.NodeReady, v1.ConditionTrue), cond(v1.NodeMemoryPressure, v1.ConditionTrue)), []v1.Taint{ns(v1.TaintNodeMemoryPressure)}},
		"disk pid net":     {nodeWith(cond(v1.NodeDiskPressure, v1.ConditionTrue), cond(v1.NodePIDPressure, v1.ConditionTrue), cond(v1.NodeNetworkUnavailable, v1.ConditionTrue)), []v1.Taint{ns(v1.TaintNodeDiskPressure), ns(v1.TaintNodePIDPressure), ns(v1.TaintNodeNetworkUnavailable)}},
		"pressure unknown": {nodeWith(cond(v1.NodeMemoryPressure, v1.ConditionUnknown)), nil},
		"cordoned": {func() *v1.Node {
			n := nodeWith(cond(v1.NodeReady, v1.ConditionTrue))
			n.Spec.Unschedulable = true
			return n
		}(), []v1.Taint{ns(v1.TaintNodeUnschedulable)}},
	} {
		if got := wantedTaints(tc.node); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}

func TestSyncTaints(t *testing.T) {
	earlier := metav1.NewTime(t0.Add(-time.Minute))
	user := v1.Taint{Key: "dedicated", Value: "db", Effect: v1.TaintEffectNoSchedule}
	userNE := v1.Taint{Key: "maintenance", Effect: v1.TaintEffectNoExecute}
	notReadyNE := v1.Taint{Key: v1.TaintNodeNotReady, Effect: v1.TaintEffectNoExecute, TimeAdded: &earlier}
	unreachNS := v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoSchedule}
	unreachNE := v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute}
	stamped := unreachNE
	now := metav1.NewTime(t0)
	stamped.TimeAdded = &now

	// not-ready → unreachable: swapped, others' taints kept, new NoExecute stamped.
	got, changed := syncTaints([]v1.Taint{user, notReadyNE, userNE}, []v1.Taint{unreachNS, unreachNE}, t0)
	if want := []v1.Taint{user, userNE, unreachNS, stamped}; !changed || !reflect.DeepEqual(got, want) {
		t.Errorf("swap: %v %v", changed, got)
	}
	// Already there: unchanged, timeAdded kept.
	got, changed = syncTaints([]v1.Taint{user, notReadyNE}, []v1.Taint{{Key: v1.TaintNodeNotReady, Effect: v1.TaintEffectNoExecute}}, t0)
	if changed || !reflect.DeepEqual(got, []v1.Taint{user, notReadyNE}) {
		t.Errorf("steady: %v %v", changed, got)
	}
	// Healed: ours go, the user's stay.
	got, changed = syncTaints([]v1.Taint{user, unreachNS, stamped, userNE}, nil, t0)
	if !changed || !reflect.DeepEqual(got, []v1.Taint{user, userNE}) {
		t.Errorf("healed: %v %v", changed, got)
	}
}

func TestEvictionFor(t *testing.T) {
	unreach := v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute}
	notReady := v1.Taint{Key: v1.TaintNodeNotReady, Effect: v1.TaintEffectNoExecute}
	tol := func(key string, secs *int64) v1.Toleration {
		return v1.Toleration{Key: key, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute, TolerationSeconds: secs}
	}
	for name, tc := range map[string]struct {
		tols   []v1.Toleration
		taints []v1.Taint
		want   verdict
		after  time.Duration
	}{
		"no taints":              {nil, nil, keep, 0},
		"not tolerated":          {nil, []v1.Taint{unreach}, evictNow, 0},
		"NoSchedule toleration":  {[]v1.Toleration{{Key: v1.TaintNodeUnreachable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule}}, []v1.Taint{unreach}, evictNow, 0},
		"forever":                {[]v1.Toleration{tol(v1.TaintNodeUnreachable, nil)}, []v1.Taint{unreach}, keep, 0},
		"for a while":            {[]v1.Toleration{tol(v1.TaintNodeUnreachable, ptr.To[int64](300))}, []v1.Taint{unreach}, evictAfter, 300 * time.Second},
		"smallest wins":          {[]v1.Toleration{tol(v1.TaintNodeUnreachable, ptr.To[int64](300)), tol("", ptr.To[int64](2))}, []v1.Taint{unreach}, evictAfter, 2 * time.Second},
		"one of two untolerated": {[]v1.Toleration{tol(v1.TaintNodeUnreachable, nil)}, []v1.Taint{unreach, notReady}, evictNow, 0},
		"both, min over taints":  {[]v1.Toleration{tol(v1.TaintNodeUnreachable, nil), tol(v1.TaintNodeNotReady, ptr.To[int64](5))}, []v1.Taint{unreach, notReady}, evictAfter, 5 * time.Second},
		"negative is zero":       {[]v1.Toleration{tol(v1.TaintNodeUnreachable, ptr.To[int64](-3))}, []v1.Taint{unreach}, evictAfter, 0},
	} {
		v, after := evictionFor(tc.tols, tc.taints)
		if v != tc.want || after != tc.after {
			t.Errorf("%s: got %v %v, want %v %v", name, v, after, tc.want, tc.after)
		}
	}
}

// A node that never posted its status gets the startup grace period,
// counted from its creation.
func TestProbeNeverPosted(t *testing.T) {
	grace := 40 * time.Second
	node := nodeWith()
	node.CreationTimestamp = metav1.NewTime(t0.Add(-50 * time.Second))
	p := newProbe(node, nil, t0)
	if p.stale(t0, startupGrace(grace)) {
		t.Error("stale 50 s after creation, inside the 60 s startup grace")
	}
	if !p.stale(t0.Add(11*time.Second), startupGrace(grace)) {
		t.Error("not stale 61 s after creation")
	}
	if startupGrace(grace) != 60*time.Second {
		t.Errorf("startup grace %v, want upstream's 60 s", startupGrace(grace))
	}
}
