package plugins

import (
	"context"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	fw "orca/internal/scheduler/framework"
)

var ctx = context.Background()

func rl(kv ...string) v1.ResourceList {
	out := v1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[v1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

// mkPod builds a pod with one container requesting req.
func mkPod(name string, req v1.ResourceList) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Resources: v1.ResourceRequirements{Requests: req}}}},
	}
}

func withLabels(p *v1.Pod, kv ...string) *v1.Pod {
	p.Labels = map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		p.Labels[kv[i]] = kv[i+1]
	}
	return p
}

func onNode(p *v1.Pod, n string) *v1.Pod { p.Spec.NodeName = n; return p }

func mkNode(name string, alloc v1.ResourceList, labelKV ...string) *v1.Node {
	n := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1.LabelHostname: name}},
		Status: v1.NodeStatus{Allocatable: alloc}}
	for i := 0; i < len(labelKV); i += 2 {
		n.Labels[labelKV[i]] = labelKV[i+1]
	}
	return n
}

func nodeInfo(n *v1.Node, pods ...*v1.Pod) *fw.NodeInfo {
	ni := fw.NewNodeInfo(pods...)
	ni.SetNode(n)
	return ni
}

// checkStatus compares code and reasons (nil = success).
func checkStatus(t *testing.T, got, want *fw.Status) {
	t.Helper()
	if got.Code() != want.Code() || !reflect.DeepEqual(got.Reasons(), want.Reasons()) {
		t.Errorf("status = %v, want %v", got, want)
	}
}

// scoreAll runs PreScore (if any), Score and NormalizeScore over nodes.
func scoreAll(t *testing.T, pl fw.ScorePlugin, pod *v1.Pod, snap *fw.Snapshot) []int64 {
	t.Helper()
	cs := fw.NewCycleState()
	if pre, ok := pl.(fw.PreScorePlugin); ok {
		if st := pre.PreScore(ctx, cs, pod, snap.List(), snap); st.IsSkip() {
			return make([]int64, snap.NumNodes())
		} else if !st.IsSuccess() {
			t.Fatal(st)
		}
	}
	scores := make([]fw.NodeScore, snap.NumNodes())
	for i, ni := range snap.List() {
		s, st := pl.Score(ctx, cs, pod, ni)
		if !st.IsSuccess() {
			t.Fatal(st)
		}
		scores[i] = fw.NodeScore{Name: ni.NodeName(), Score: s}
	}
	if ext := pl.ScoreExtensions(); ext != nil {
		ext.NormalizeScore(ctx, cs, pod, scores)
	}
	out := make([]int64, len(scores))
	for i := range scores {
		out[i] = scores[i].Score
	}
	return out
}

// filterAll runs PreFilter (if any) then Filter on each node, returning
// the PreFilter status if it did not succeed.
func filterAll(pl fw.FilterPlugin, pod *v1.Pod, snap *fw.Snapshot) []*fw.Status {
	cs := fw.NewCycleState()
	if pre, ok := pl.(fw.PreFilterPlugin); ok {
		if _, st := pre.PreFilter(ctx, cs, pod, snap); st.IsSkip() {
			return make([]*fw.Status, snap.NumNodes())
		} else if !st.IsSuccess() {
			return []*fw.Status{st}
		}
	}
	out := make([]*fw.Status, snap.NumNodes())
	for i, ni := range snap.List() {
		out[i] = pl.Filter(ctx, cs, pod, ni)
	}
	return out
}
