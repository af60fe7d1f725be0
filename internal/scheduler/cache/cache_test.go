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

func withHostPort(p *corev1.Pod, port int32) *corev1.Pod {
	p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: port}}
	return p
}

func portTaken(t *testing.T, c *Cache, nodeName string, port int32) bool {
	t.Helper()
	ni, err := c.Snapshot().Get(nodeName)
	if err != nil {
		t.Fatal(err)
	}
	return ni.UsedPorts.CheckConflict("", "TCP", port)
}

// What a kubelet restart does to a running pod (containers restart,
// readiness flips, phase goes Pending and back, its status is rewritten
// many times) must leave its port and cpu booked: only a terminal phase or
// deletion frees them.
func TestHolderStaysBookedThroughStatusUpdates(t *testing.T) {
	c := New(testclock.NewFakeClock(time.Unix(0, 0)))
	c.SetNode(node("n1"))
	a := withHostPort(pod("a", "n1", "1500m"), 18080)
	a.Status.Phase = corev1.PodRunning
	c.AddPod(a)
	for i, phase := range []corev1.PodPhase{corev1.PodRunning, corev1.PodPending, corev1.PodRunning, corev1.PodPending, corev1.PodRunning} {
		u := a.DeepCopy()
		u.Status.Phase = phase
		u.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", RestartCount: int32(i), Ready: phase == corev1.PodRunning}}
		c.AddPod(u)
		if !portTaken(t, c, "n1", 18080) || requestedCPU(t, c, "n1") != 1500 {
			t.Fatalf("update %d (%s): port taken %v, cpu %dm", i, phase, portTaken(t, c, "n1", 18080), requestedCPU(t, c, "n1"))
		}
	}
	if _, pods := c.Counts(); pods != 1 {
		t.Fatalf("%d pods cached, want 1", pods)
	}
}

// Two pods can hold one hostPort on a node (pods given a nodeName bypass
// the scheduler): the port stays taken until the last of them is gone.
func TestSharedHostPortFreedByTheLastHolder(t *testing.T) {
	c := New(testclock.NewFakeClock(time.Unix(0, 0)))
	c.SetNode(node("n1"))
	a := withHostPort(pod("a", "n1", "100m"), 18080)
	b := withHostPort(pod("b", "n1", "100m"), 18080)
	c.AddPod(a)
	c.AddPod(b)
	c.RemovePod(b)
	if !portTaken(t, c, "n1", 18080) {
		t.Fatal("port freed while a still holds it")
	}
	c.RemovePod(a)
	if portTaken(t, c, "n1", 18080) {
		t.Fatal("port still taken with no holder")
	}
}
