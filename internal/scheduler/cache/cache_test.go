package cache

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	testclock "k8s.io/utils/clock/testing"
)

func node(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourcePods: resource.MustParse("110")}}}
}

func pod(name, nodeName, cpu string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name)},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "c",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}}}
}

func requestedCPU(t *testing.T, c *Cache, nodeName string) int64 {
	t.Helper()
	ni, err := c.Snapshot().Get(nodeName)
	if err != nil {
		t.Fatal(err)
	}
	return ni.Requested.MilliCPU
}

func TestAssumeConfirmForget(t *testing.T) {
	clk := testclock.NewFakeClock(time.Unix(0, 0))
	c := New(clk)
	c.SetNode(node("n1"))
	p := pod("p", "n1", "1")
	if err := c.AssumePod(p); err != nil {
		t.Fatal(err)
	}
	if err := c.AssumePod(p); err == nil {
		t.Fatal("assumed the same pod twice")
	}
	if got := requestedCPU(t, c, "n1"); got != 1000 {
		t.Fatalf("assumed pod not counted: %dm", got)
	}
	c.ForgetPod(p)
	if got := requestedCPU(t, c, "n1"); got != 0 {
		t.Fatalf("forgotten pod still counted: %dm", got)
	}
	// Assume, finish binding, then the informer confirms: counted once.
	c.AssumePod(p)
	c.FinishBinding(p)
	c.AddPod(p)
	clk.Step(AssumedTTL + time.Second)
	if got := requestedCPU(t, c, "n1"); got != 1000 || c.IsAssumed(p) {
		t.Fatalf("confirmed pod: %dm assumed=%v", got, c.IsAssumed(p))
	}
	c.RemovePod(p)
	if got := requestedCPU(t, c, "n1"); got != 0 {
		t.Fatalf("removed pod still counted: %dm", got)
	}
}

func TestUnconfirmedAssumedPodExpires(t *testing.T) {
	clk := testclock.NewFakeClock(time.Unix(0, 0))
	c := New(clk)
	c.SetNode(node("n1"))
	p := pod("p", "n1", "2")
	c.AssumePod(p)
	c.FinishBinding(p)
	clk.Step(AssumedTTL - time.Second)
	if got := requestedCPU(t, c, "n1"); got != 2000 {
		t.Fatalf("expired early: %dm", got)
	}
	clk.Step(2 * time.Second)
	if got := requestedCPU(t, c, "n1"); got != 0 {
		t.Fatalf("not expired: %dm", got)
	}
}

func TestSnapshotIsIsolatedAndIncremental(t *testing.T) {
	c := New(testclock.NewFakeClock(time.Unix(0, 0)))
	c.SetNode(node("a"))
	c.SetNode(node("b"))
	s1 := c.Snapshot()
	a1, _ := s1.Get("a")
	b1, _ := s1.Get("b")
	c.AddPod(pod("p", "a", "1"))
	s2 := c.Snapshot()
	a2, _ := s2.Get("a")
	b2, _ := s2.Get("b")
	if a1.Requested.MilliCPU != 0 {
		t.Fatal("an old snapshot saw a later change")
	}
	if a2 == a1 || a2.Requested.MilliCPU != 1000 {
		t.Fatal("changed node not refreshed")
	}
	if b2 != b1 {
		t.Fatal("unchanged node was copied again")
	}
	if s2.NumNodes() != 2 {
		t.Fatalf("nodes = %d", s2.NumNodes())
	}
}

func TestPodsBeforeTheirNodeAndNodeRemoval(t *testing.T) {
	c := New(testclock.NewFakeClock(time.Unix(0, 0)))
	c.AddPod(pod("early", "late-node", "1"))
	if s := c.Snapshot(); s.NumNodes() != 0 {
		t.Fatal("a node without a Node object appeared in the snapshot")
	}
	c.SetNode(node("late-node"))
	if got := requestedCPU(t, c, "late-node"); got != 1000 {
		t.Fatalf("pod seen before its node not counted: %dm", got)
	}
	c.RemoveNode("late-node")
	if s := c.Snapshot(); s.NumNodes() != 0 {
		t.Fatal("removed node still in the snapshot")
	}
	if n, p := c.Counts(); n != 0 || p != 1 {
		t.Fatalf("counts = %d nodes, %d pods", n, p)
	}
}
