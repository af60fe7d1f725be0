// Package scheduler tests the scheduler against an in-process API server:
// Node objects stand in for real nodes, pods are created with client-go and
// the tests watch where (and whether) they get bound, and why not.
package scheduler

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"orca/internal/apiserver"
	"orca/internal/informerset"
	"orca/internal/scheduler"
)

var (
	client  *kubernetes.Clientset
	loop    *rest.Config
	baseCtx context.Context
	// stopMain stops the first scheduler (the leader-election test).
	stopMain context.CancelFunc
	// shared are the informers of every scheduler of the test process,
	// shared as in orca server.
	shared informers.SharedInformerFactory
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "orca-sched-test")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	baseCtx = ctx
	srv, err := apiserver.New(ctx, apiserver.Config{DataDir: dir, BindAddress: net.ParseIP("127.0.0.1")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Close()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	if err := srv.WaitReady(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	loop = srv.LoopbackConfig()
	loop.QPS, loop.Burst = -1, -1
	client = kubernetes.NewForConfigOrDie(loop)
	if shared, err = informerset.SharedFor(loop, ctx.Done()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mainCtx, cancelMain := context.WithCancel(ctx)
	stopMain = cancelMain
	go scheduler.Run(mainCtx, loop, scheduler.Options{LeaderElect: true, Identity: "main", Informers: shared})
	code := m.Run()
	cancel()
	<-done
	return code
}

var seq atomic.Int64

// newNamespace creates a namespace for one test; its nodes are labelled
// with it so that tests never see each other's nodes (see node()).
func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("sched-%d", seq.Add(1))
	if _, err := client.CoreV1().Namespaces().Create(baseCtx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return name
}

// node creates a Ready node with cpu/memory; it is tainted for its test
// only: every pod the test creates tolerates its own namespace's taint.
func node(t *testing.T, ns, name, cpu, mem string, mutate ...func(*corev1.Node)) *corev1.Node {
	t.Helper()
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + name, Labels: map[string]string{"kubernetes.io/hostname": ns + "-" + name, "test": ns}},
		Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "test", Value: ns, Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: resource.MustParse("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: resource.MustParse("110")},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
	for _, f := range mutate {
		f(n)
	}
	out, err := client.CoreV1().Nodes().Create(baseCtx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.CoreV1().Nodes().Delete(context.Background(), out.Name, metav1.DeleteOptions{}) })
	return out
}

// pod creates a pod that tolerates its test's nodes and may land only on them.
func pod(t *testing.T, ns, name, cpu string, mutate ...func(*corev1.Pod)) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"test": ns},
			Tolerations:  []corev1.Toleration{{Key: "test", Operator: corev1.TolerationOpEqual, Value: ns, Effect: corev1.TaintEffectNoSchedule}},
			Containers: []corev1.Container{{Name: "c", Image: "busybox",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}},
		},
	}
	for _, f := range mutate {
		f(p)
	}
	out, err := client.CoreV1().Pods(ns).Create(baseCtx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// boundTo waits until the pod is bound and returns its node.
func boundTo(t *testing.T, ns, name string) string {
	t.Helper()
	var nodeName string
	err := wait.PollUntilContextTimeout(baseCtx, 20*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		nodeName = p.Spec.NodeName
		return nodeName != "", nil
	})
	if err != nil {
		t.Fatalf("pod %s/%s not bound: %v", ns, name, err)
	}
	return nodeName
}

// unschedulable waits for PodScheduled=False and returns its message.
func unschedulable(t *testing.T, ns, name string) string {
	t.Helper()
	var msg string
	err := wait.PollUntilContextTimeout(baseCtx, 20*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if p.Spec.NodeName != "" {
			return false, fmt.Errorf("pod was bound to %s", p.Spec.NodeName)
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				msg = c.Message
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("pod %s/%s not reported unschedulable: %v", ns, name, err)
	}
	return msg
}

// withPriority gives a pod a PriorityClass of that value (created on first
// use): spec.priority itself is set by the Priority admission plugin.
func withPriority(t *testing.T, value int32) func(*corev1.Pod) {
	t.Helper()
	name := fmt.Sprintf("prio-%d", value)
	pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
	if _, err := client.SchedulingV1().PriorityClasses().Create(baseCtx, pc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return func(p *corev1.Pod) { p.Spec.PriorityClassName = name }
}
