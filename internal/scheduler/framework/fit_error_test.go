package framework

import "testing"

func TestFitErrorMessage(t *testing.T) {
	taint := "node(s) had untolerated taint {dedicated: gpu}"
	tests := []struct {
		name string
		d    *Diagnosis
		all  int
		want string
	}{
		{"upstream example", &Diagnosis{NodeToStatus: map[string]*Status{
			"a": NewStatus(Unschedulable, "Insufficient cpu"),
			"b": NewStatus(UnschedulableAndUnresolvable, taint),
			"c": NewStatus(UnschedulableAndUnresolvable, taint),
		}}, 3, "0/3 nodes are available: 1 Insufficient cpu, 2 " + taint + "."},
		{"several reasons per node, lexical sort", &Diagnosis{NodeToStatus: map[string]*Status{
			"a": NewStatus(Unschedulable, "Insufficient cpu", "Insufficient memory"),
			"b": NewStatus(Unschedulable, "Insufficient memory"),
		}}, 2, "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory."},
		{"absent nodes take the absent status", &Diagnosis{
			NodeToStatus:      map[string]*Status{"a": NewStatus(Unschedulable, "Too many pods")},
			AbsentNodesStatus: NewStatus(UnschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) [NodeAffinity]"),
		}, 12, "0/12 nodes are available: 1 Too many pods, 11 node(s) didn't satisfy plugin(s) [NodeAffinity]."},
		{"prefilter message replaces the histogram", &Diagnosis{
			NodeToStatus: map[string]*Status{}, PreFilterMsg: "pod has unbound immediate PersistentVolumeClaims",
			AbsentNodesStatus: NewStatus(UnschedulableAndUnresolvable, "pod has unbound immediate PersistentVolumeClaims"),
		}, 5, "0/5 nodes are available: pod has unbound immediate PersistentVolumeClaims."},
		{"no reasons", &Diagnosis{NodeToStatus: map[string]*Status{}}, 0, "0/0 nodes are available:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := (&FitError{NumAllNodes: tc.all, Diagnosis: tc.d}).Error()
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	tests := []struct {
		pct       int32
		all, want int32
	}{
		{0, 10, 10}, {0, 99, 99}, {0, 100, 100}, {0, 1000, 420}, {0, 5000, 500},
		{0, 6000, 300}, {0, 100000, 5000}, {0, 1500, 570}, {10, 500, 100},
		{30, 1000, 300}, {100, 5000, 5000}, {1, 5000, 100},
	}
	for _, tc := range tests {
		if got := NumFeasibleNodesToFind(tc.pct, tc.all); got != tc.want {
			t.Errorf("pct=%d nodes=%d: got %d want %d", tc.pct, tc.all, got, tc.want)
		}
	}
}

func TestStatusHelpers(t *testing.T) {
	var s *Status
	if !s.IsSuccess() || s.Code() != Success || s.Message() != "" || s.AsError() != nil {
		t.Error("nil status must be success")
	}
	st := NewStatus(Unschedulable, "a", "b").WithPlugin("P")
	if st.Message() != "a, b" || st.Plugin() != "P" || !st.IsRejected() || st.AsError().Error() != "a, b" {
		t.Errorf("bad status %v", st)
	}
	if NewStatus(Skip).AsError() != nil || !NewStatus(Skip).IsSkip() {
		t.Error("skip is not an error")
	}
	if Code(99).String() != "Unknown" || UnschedulableAndUnresolvable.String() != "UnschedulableAndUnresolvable" {
		t.Error("code names")
	}
}
