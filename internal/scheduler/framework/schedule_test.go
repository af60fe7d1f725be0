package framework

import (
	"context"
	"errors"
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// fakeFilter rejects nodes listed in reject with the given status.
type fakeFilter struct {
	name   string
	reject map[string]*Status
}

func (f fakeFilter) Name() string { return f.name }
func (f fakeFilter) Filter(_ context.Context, _ *CycleState, _ *v1.Pod, n *NodeInfo) *Status {
	return f.reject[n.NodeName()]
}

// fakeScore returns a fixed raw score per node.
type fakeScore struct {
	name   string
	scores map[string]int64
	norm   bool
	skip   bool
}

func (f fakeScore) Name() string { return f.name }
func (f fakeScore) Score(_ context.Context, _ *CycleState, _ *v1.Pod, n *NodeInfo) (int64, *Status) {
	return f.scores[n.NodeName()], nil
}
func (f fakeScore) PreScore(context.Context, *CycleState, *v1.Pod, []*NodeInfo, *Snapshot) *Status {
	if f.skip {
		return NewStatus(Skip)
	}
	return nil
}
func (f fakeScore) ScoreExtensions() ScoreExtensions {
	if f.norm {
		return f
	}
	return nil
}
func (f fakeScore) NormalizeScore(_ context.Context, _ *CycleState, _ *v1.Pod, s []NodeScore) *Status {
	DefaultNormalizeScore(MaxNodeScore, false, s)
	return nil
}

// fakePreFilter narrows to names (nil = all) or rejects with st.
type fakePreFilter struct {
	name  string
	names []string
	st    *Status
}

func (f fakePreFilter) Name() string { return f.name }
func (f fakePreFilter) PreFilter(context.Context, *CycleState, *v1.Pod, *Snapshot) (*PreFilterResult, *Status) {
	if f.names == nil {
		return nil, f.st
	}
	return &PreFilterResult{NodeNames: sets.New(f.names...)}, f.st
}

// seqRand returns the scripted values in turn, recording the bounds asked.
type seqRand struct {
	vals  []int
	asked []int
}

func (r *seqRand) IntN(n int) int {
	r.asked = append(r.asked, n)
	v := r.vals[0] % n
	r.vals = r.vals[1:]
	return v
}

func nodesSnap(names ...string) *Snapshot {
	var ns []*v1.Node
	for _, n := range names {
		ns = append(ns, node(n, rl("cpu", "1", "pods", "10")))
	}
	return NewSnapshot(nil, ns, nil)
}

func run(t *testing.T, plugins []PluginWeight, rnd Rand, snap *Snapshot) (ScheduleResult, error) {
	t.Helper()
	f, err := New(plugins, rnd)
	if err != nil {
		t.Fatal(err)
	}
	return Schedule(context.Background(), f, NewCycleState(), pod("p", ctr(nil)), snap, 0)
}

func TestSchedulePicksHighestWeightedScore(t *testing.T) {
	a := fakeScore{name: "A", scores: map[string]int64{"n1": 100, "n2": 0, "n3": 50}}
	b := fakeScore{name: "B", scores: map[string]int64{"n1": 0, "n2": 80, "n3": 50}}
	// n1=100, n2=160, n3=150 with B weighted 2.
	res, err := run(t, []PluginWeight{{a, 1}, {b, 2}}, nil, nodesSnap("n1", "n2", "n3"))
	if err != nil || res.SuggestedHost != "n2" || res.FeasibleNodes != 3 || res.EvaluatedNodes != 3 {
		t.Fatalf("got %+v, %v", res, err)
	}
}

func TestScheduleNormalizesAndSkips(t *testing.T) {
	raw := fakeScore{name: "Raw", scores: map[string]int64{"n1": 2, "n2": 4}, norm: true}
	skipped := fakeScore{name: "Skipped", scores: map[string]int64{"n1": 1000}, skip: true}
	res, err := run(t, []PluginWeight{{raw, 1}, {skipped, 1}}, nil, nodesSnap("n1", "n2"))
	if err != nil || res.SuggestedHost != "n2" {
		t.Fatalf("got %+v, %v", res, err)
	}
	bad := fakeScore{name: "Bad", scores: map[string]int64{"n1": 101}}
	if _, err := run(t, []PluginWeight{{bad, 1}}, nil, nodesSnap("n1", "n2")); err == nil {
		t.Fatal("score out of range must fail")
	}
}

func TestScheduleTieBreakUsesInjectedRand(t *testing.T) {
	flat := fakeScore{name: "Flat", scores: map[string]int64{}}
	snap := nodesSnap("n1", "n2", "n3")
	tests := []struct {
		vals []int
		want string
	}{
		{[]int{1, 1}, "n1"}, // never replaced
		{[]int{0, 1}, "n2"}, // replaced at 2nd
		{[]int{1, 0}, "n3"}, // replaced at 3rd
	}
	for _, tc := range tests {
		r := &seqRand{vals: tc.vals}
		res, err := run(t, []PluginWeight{{flat, 1}}, r, snap)
		if err != nil || res.SuggestedHost != tc.want {
			t.Errorf("vals %v: got %q, %v; want %q", tc.vals, res.SuggestedHost, err, tc.want)
		}
		if fmt.Sprint(r.asked) != "[2 3]" {
			t.Errorf("reservoir bounds = %v", r.asked)
		}
	}
}

func TestScheduleAllInfeasible(t *testing.T) {
	taint := NewStatus(UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: gpu}")
	f1 := fakeFilter{name: "Fit", reject: map[string]*Status{"n1": NewStatus(Unschedulable, "Insufficient cpu")}}
	f2 := fakeFilter{name: "Taint", reject: map[string]*Status{"n2": taint, "n3": taint}}
	_, err := run(t, []PluginWeight{{f1, 1}, {f2, 1}}, nil, nodesSnap("n1", "n2", "n3"))
	var fe *FitError
	if !errors.As(err, &fe) {
		t.Fatalf("want FitError, got %v", err)
	}
	want := "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}."
	if fe.Error() != want {
		t.Errorf("got %q", fe.Error())
	}
	if !fe.Diagnosis.UnschedulablePlugins.Equal(sets.New("Fit", "Taint")) || fe.Diagnosis.NodeToStatus["n2"].Plugin() != "Taint" {
		t.Errorf("diagnosis %+v", fe.Diagnosis)
	}
}

func TestSchedulePreFilter(t *testing.T) {
	snap := nodesSnap("n1", "n2", "n3")
	score := fakeScore{name: "S", scores: map[string]int64{"n1": 90, "n2": 10, "n3": 20}}
	// Narrowing: n1 is excluded, best of the rest is n3.
	res, err := run(t, []PluginWeight{{fakePreFilter{name: "P", names: []string{"n2", "n3"}}, 1}, {score, 1}}, nil, snap)
	if err != nil || res.SuggestedHost != "n3" {
		t.Fatalf("got %+v, %v", res, err)
	}
	// Narrowed nodes that also fail report the absent-nodes reason.
	rej := fakeFilter{name: "F", reject: map[string]*Status{"n2": NewStatus(Unschedulable, "Too many pods")}}
	_, err = run(t, []PluginWeight{{fakePreFilter{name: "P", names: []string{"n2"}}, 1}, {rej, 1}}, nil, snap)
	if err == nil || err.Error() != "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't satisfy plugin(s) [P]." {
		t.Errorf("got %v", err)
	}
	// Disjoint narrowing rejects the pod up front.
	_, err = run(t, []PluginWeight{{fakePreFilter{name: "P", names: []string{"n1"}}, 1}, {fakePreFilter{name: "Q", names: []string{"n2"}}, 1}}, nil, snap)
	if err == nil || err.Error() != "0/3 nodes are available: node(s) didn't satisfy plugin(s) [P Q] simultaneously." {
		t.Errorf("got %v", err)
	}
	// A PreFilter rejection is reported once, not per node.
	_, err = run(t, []PluginWeight{{fakePreFilter{name: "V", st: NewStatus(UnschedulableAndUnresolvable, "pod has unbound immediate PersistentVolumeClaims")}, 1}}, nil, snap)
	if err == nil || err.Error() != "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims." {
		t.Errorf("got %v", err)
	}
	// Internal errors are not FitErrors.
	_, err = run(t, []PluginWeight{{fakePreFilter{name: "E", st: AsStatus(errors.New("boom"))}, 1}}, nil, snap)
	var fe *FitError
	if err == nil || errors.As(err, &fe) {
		t.Errorf("want plain error, got %v", err)
	}
}

func TestScheduleSamplingAndRotation(t *testing.T) {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("n%04d", i)
	}
	snap := nodesSnap(names...)
	f, _ := New([]PluginWeight{{fakeScore{name: "S", scores: map[string]int64{}}, 1}}, nil)
	f.Parallelism = 4
	// 1000 nodes -> 42% -> 420 feasible wanted, starting at 900 wraps around.
	res, err := Schedule(context.Background(), f, NewCycleState(), pod("p", ctr(nil)), snap, 900)
	if err != nil || res.FeasibleNodes != 420 || res.EvaluatedNodes != 420 || res.NextStartIndex != 320 || res.SuggestedHost != "n0900" {
		t.Fatalf("got %+v, %v", res, err)
	}
	if _, err := Schedule(context.Background(), f, NewCycleState(), pod("p"), NewSnapshot(nil, nil, nil), 0); !errors.Is(err, ErrNoNodesAvailable) {
		t.Errorf("empty cluster: %v", err)
	}
	if _, err := New([]PluginWeight{{fakeFilter{name: "X"}, 1}, {fakeFilter{name: "X"}, 1}}, nil); err == nil {
		t.Error("duplicate plugin names must fail")
	}
}

func TestCycleStateClone(t *testing.T) {
	cs := NewCycleState()
	cs.Write("k", narrowedBy{"a"})
	c := cs.Clone()
	cs.Delete("k")
	if _, err := c.Read("k"); err != nil {
		t.Error("clone lost data")
	}
	if _, err := cs.Read("k"); err == nil {
		t.Error("delete failed")
	}
}
