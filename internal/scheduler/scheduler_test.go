package scheduler

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"orca/internal/scheduler/plugins"
)

// startFillers is how many bound pods a new scheduler's initial list holds
// between the pending pod and the pods it clashes with: enough that its
// pod handler is still busy with them when the informer reports synced.
const startFillers = 3000

// A scheduler started afresh (a restart, a new leader) must not place a
// pod before its cache holds every pod bound before it started: here the
// pending pods are listed first and the pods holding their node's hostPort
// and cpu last. Scheduling on the informer's sync alone bound them.
func TestRunWaitsForEveryBoundPod(t *testing.T) {
	objs := []runtime.Object{
		testNode("ports", "4"), testNode("cpu", "2"),
		testPod("z-port-holder", "ports", "100m", 80), testPod("z-cpu-holder", "cpu", "1500m", 0),
		testPod("a-port-clash", "", "100m", 80), testPod("a-cpu-clash", "", "1", 0),
	}
	objs[4].(*corev1.Pod).Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "ports"}
	objs[5].(*corev1.Pod).Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "cpu"}
	for i := range startFillers {
		objs = append(objs, testPod(fmt.Sprintf("m-%05d", i), "elsewhere", "0", 0))
	}
	client := fake.NewSimpleClientset(objs...)
	listPodsInKeyOrder(client)
	bound := make(chan string, 2)
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "binding" {
			return false, nil, nil
		}
		b := a.(k8stesting.CreateAction).GetObject().(*corev1.Binding)
		bound <- b.Name + " to " + b.Target.Name
		return true, nil, nil
	})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runScheduler(ctx, client, Options{Plugins: plugins.DefaultPlugins}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	deadline := time.After(30 * time.Second)
	for _, name := range []string{"a-port-clash", "a-cpu-clash"} {
		for !unschedulable(t, client, name) {
			select {
			case b := <-bound:
				t.Fatalf("bound %s, whose hostPort or cpu is taken", b)
			case <-deadline:
				t.Fatalf("%s: no verdict", name)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	select {
	case b := <-bound:
		t.Fatalf("bound %s, whose hostPort or cpu is taken", b)
	default:
	}
}

// listPodsInKeyOrder lists pods sorted by namespace/name as the API server
// does (the fake tracker lists in map order).
func listPodsInKeyOrder(client *fake.Clientset) {
	client.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj, err := client.Tracker().List(corev1.SchemeGroupVersion.WithResource("pods"), corev1.SchemeGroupVersion.WithKind("Pod"), a.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		list := obj.(*corev1.PodList)
		sort.Slice(list.Items, func(i, j int) bool {
			a, b := list.Items[i], list.Items[j]
			return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
		})
		return true, list, nil
	})
}

func unschedulable(t *testing.T, client *fake.Clientset, name string) bool {
	t.Helper()
	p, err := client.CoreV1().Pods("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}

func testNode(name, cpu string) *corev1.Node {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("4Gi"),
		corev1.ResourcePods: resource.MustParse("110")}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: corev1.NodeStatus{Capacity: rl, Allocatable: rl,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
}

// testPod requests cpu and, if hostPort > 0, that port; nodeName "" is pending.
func testPod(name, nodeName, cpu string, hostPort int32) *corev1.Pod {
	c := corev1.Container{Name: "c", Image: "busybox",
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}
	if hostPort > 0 {
		c.Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: hostPort, Protocol: corev1.ProtocolTCP}}
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name)},
		Spec: corev1.PodSpec{NodeName: nodeName, SchedulerName: DefaultSchedulerName, Containers: []corev1.Container{c}}}
	if nodeName != "" {
		p.Status.Phase = corev1.PodRunning
	}
	return p
}
