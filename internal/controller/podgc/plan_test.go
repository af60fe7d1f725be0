package podgc

import (
	"reflect"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type podOpt func(*v1.Pod)

func mkPod(name string, age int, opts ...podOpt) *v1.Pod {
	p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: k8stypes.UID("uid-" + name),
		CreationTimestamp: metav1.NewTime(t0.Add(-time.Duration(age) * time.Minute))},
		Status: v1.PodStatus{Phase: v1.PodRunning}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func phase(ph v1.PodPhase) podOpt { return func(p *v1.Pod) { p.Status.Phase = ph } }
func onNode(n string) podOpt      { return func(p *v1.Pod) { p.Spec.NodeName = n } }
func deleting(p *v1.Pod)          { now := metav1.NewTime(t0); p.DeletionTimestamp = &now }
func evictedPod(p *v1.Pod)        { p.Status.Phase, p.Status.Reason = v1.PodFailed, "Evicted" }

func names(pods []*v1.Pod) []string {
	out := []string{}
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestOverThreshold(t *testing.T) {
	pods := []*v1.Pod{
		mkPod("running-old", 100),
		mkPod("done-new", 1, phase(v1.PodSucceeded)),
		mkPod("failed-old", 50, phase(v1.PodFailed)),
		mkPod("done-old", 60, phase(v1.PodSucceeded)),
		mkPod("evicted-new", 2, evictedPod),
		mkPod("pending", 70, phase(v1.PodPending)),
		mkPod("unknown", 80, phase(v1.PodUnknown)),
		mkPod("b-same-age", 30, phase(v1.PodFailed)),
		mkPod("a-same-age", 30, phase(v1.PodFailed)),
	}
	for _, tc := range []struct {
		threshold int
		want      []string
	}{
		{0, []string{}},  // off
		{10, []string{}}, // 6 terminated, under
		{6, []string{}},  // exactly at
		{5, []string{"evicted-new"}},
		{3, []string{"evicted-new", "done-old", "failed-old"}},
		{1, []string{"evicted-new", "done-old", "failed-old", "a-same-age", "b-same-age"}},
	} {
		if got := names(overThreshold(pods, tc.threshold)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("threshold %d: got %v, want %v", tc.threshold, got, tc.want)
		}
	}
}

func TestOutOfServiceAndUnscheduled(t *testing.T) {
	notReady := &v1.Node{Status: v1.NodeStatus{Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionUnknown}}}}
	oos := notReady.DeepCopy()
	oos.Spec.Taints = []v1.Taint{{Key: v1.TaintNodeOutOfService, Effect: v1.TaintEffectNoExecute}}
	readyOOS := oos.DeepCopy()
	readyOOS.Status.Conditions[0].Status = v1.ConditionTrue
	nodes := map[string]*v1.Node{"notready": notReady, "oos": oos, "ready-oos": readyOOS}
	pods := []*v1.Pod{
		mkPod("on-oos-terminating", 1, onNode("oos"), deleting),
		mkPod("on-oos-running", 1, onNode("oos")),
		mkPod("on-notready-terminating", 1, onNode("notready"), deleting),
		mkPod("on-ready-oos-terminating", 1, onNode("ready-oos"), deleting),
		mkPod("unscheduled-terminating", 1, deleting),
		mkPod("unscheduled", 1),
	}
	if got := names(outOfService(pods, nodes)); !reflect.DeepEqual(got, []string{"on-oos-terminating"}) {
		t.Errorf("out of service: %v", got)
	}
	if got := names(unscheduledTerminating(pods)); !reflect.DeepEqual(got, []string{"unscheduled-terminating"}) {
		t.Errorf("unscheduled terminating: %v", got)
	}
}

func TestQuarantine(t *testing.T) {
	nodes := map[string]*v1.Node{"here": {}}
	pods := []*v1.Pod{mkPod("a", 1, onNode("here")), mkPod("b", 1, onNode("gone")), mkPod("c", 1, onNode("gone")), mkPod("d", 1)}
	q := quarantine{}
	wait := 40 * time.Second
	if due := q.due(pods, nodes, t0, wait); len(due) != 0 {
		t.Errorf("first sight: due %v", due)
	}
	if due := q.due(pods, nodes, t0.Add(39*time.Second), wait); len(due) != 0 {
		t.Errorf("inside quarantine: due %v", due)
	}
	if due := q.due(pods, nodes, t0.Add(40*time.Second), wait); !reflect.DeepEqual(due, []string{"gone"}) {
		t.Errorf("after quarantine: due %v", due)
	}
	// The node shows up: forgotten, and a new absence starts over.
	nodes["gone"] = &v1.Node{}
	if due := q.due(pods, nodes, t0.Add(50*time.Second), wait); len(due) != 0 || len(q) != 0 {
		t.Errorf("node back: due %v, quarantine %v", due, q)
	}
	delete(nodes, "gone")
	if due := q.due(pods, nodes, t0.Add(60*time.Second), wait); len(due) != 0 {
		t.Errorf("missing again: due %v", due)
	}
	if got := names(onNodes(pods, map[string]bool{"gone": true})); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Errorf("on gone node: %v", got)
	}
}
