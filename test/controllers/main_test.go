// Package controllers tests the controller manager against an in-process
// API server with the scheduler and virtual nodes (the real kubelet on the
// simulated runtime): what a user does with kubectl, and what the cluster
// does by itself.
//
// Tests share one server, scheduler, controller manager and a pool of
// virtual nodes (sharedNodes). A test that needs nodes of its own (node
// failure, DaemonSets) starts them with virtualNodes: they carry a taint
// only that test's pods tolerate.
package controllers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"

	"orca/internal/agent"
	"orca/internal/apiserver"
	"orca/internal/controller"
	"orca/internal/controller/deps"
	"orca/internal/informerset"
	"orca/internal/scheduler"
)

var (
	client     *kubernetes.Clientset
	loop       *rest.Config
	kubeconfig string
	baseCtx    context.Context
)

// sharedNodes is the size of the pool of untainted virtual nodes every
// test may use (named shared-0000 ...).
const sharedNodes = 4

// nodeGrace is the node monitor grace period of the test controller
// manager: short, so that node failure tests take seconds.
const nodeGrace = 4 * time.Second

// nodeLease is the virtual nodes' Lease duration in seconds: they renew it
// every quarter of that (500 ms), well inside nodeGrace, as the kubelet's
// default 10 s renewals are inside the default 40 s grace.
const nodeLease = 2

// kubectlEnv makes the test binary act as kubectl (see kubectl()).
const kubectlEnv = "ORCA_TEST_AS_KUBECTL"

func TestMain(m *testing.M) {
	if os.Getenv(kubectlEnv) != "" {
		cmd := kubectlcmd.NewDefaultKubectlCommand()
		cmd.SetArgs(os.Args[1:])
		if err := cmd.Execute(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	dir, err := os.MkdirTemp("", "orca-controllers-test")
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
	kubeconfig = srv.KubeconfigPath()
	loop = srv.LoopbackConfig()
	loop.QPS, loop.Burst = -1, -1
	client = kubernetes.NewForConfigOrDie(loop)
	// One set of informers for both, as in orca server.
	shared, err := informerset.SharedFor(loop, ctx.Done())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go scheduler.Run(ctx, loop, scheduler.Options{Informers: shared})
	go controller.Run(ctx, loop, controller.Options{Informers: shared, Options: deps.Options{
		ClusterCIDR: "10.244.0.0/16", NodeCIDRMaskSize: 24,
		NodeMonitorGracePeriod: nodeGrace, NodeMonitorPeriod: 500 * time.Millisecond,
		// Tests stop their nodes independently, and all nodes share one
		// zone: upstream's pacing (one node every 10 s) would make them wait
		// for each other.
		NodeEvictionRate: 100,
	}})
	go agent.RunSimulated(ctx, agent.Config{Rest: loop, NodeName: "shared", Simulate: sharedNodes, DataDir: dir, NodeLeaseDurationSeconds: nodeLease})
	if err := waitNodesReady(ctx, "shared", sharedNodes); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	cancel()
	<-done
	return code
}

func waitNodesReady(ctx context.Context, prefix string, n int) error {
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		ready := 0
		for i := 0; i < n; i++ {
			node, err := client.CoreV1().Nodes().Get(ctx, fmt.Sprintf("%s-%04d", prefix, i), metav1.GetOptions{})
			if err == nil && nodeReady(node) {
				ready++
			}
		}
		return ready == n, nil
	})
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

var seq atomic.Int64

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("ctl-%d", seq.Add(1))
	if _, err := client.CoreV1().Namespaces().Create(baseCtx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return name
}

// virtualNodes starts n virtual nodes of the test's own, named
// <prefix>-0000..., labelled test=<prefix> and tainted test=<prefix>:NoSchedule
// (add the toleration testToleration(prefix) to pods meant for them). stop
// ends their kubelets (heartbeats stop, as when a machine dies); the nodes
// are deleted at the end of the test.
func virtualNodes(t *testing.T, prefix string, n int) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(baseCtx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		agent.RunSimulated(ctx, agent.Config{
			Rest: loop, NodeName: prefix, Simulate: n, DataDir: t.TempDir(), NodeLeaseDurationSeconds: nodeLease,
			Labels: map[string]string{"test": prefix},
			Taints: []corev1.Taint{{Key: "test", Value: prefix, Effect: corev1.TaintEffectNoSchedule}},
		})
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(func() {
		stop()
		for i := 0; i < n; i++ {
			client.CoreV1().Nodes().Delete(context.Background(), fmt.Sprintf("%s-%04d", prefix, i), metav1.DeleteOptions{})
		}
	})
	if err := waitNodesReady(baseCtx, prefix, n); err != nil {
		t.Fatalf("virtual nodes %s: %v", prefix, err)
	}
	return stop
}

// testToleration lets a pod onto virtualNodes(prefix).
func testToleration(prefix string) corev1.Toleration {
	return corev1.Toleration{Key: "test", Operator: corev1.TolerationOpEqual, Value: prefix, Effect: corev1.TaintEffectNoSchedule}
}

// poll waits for cond, failing the test after timeout.
func poll(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(baseCtx, 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("timed out after %s: %s", timeout, what)
	}
}

// kubectlResult is one kubectl run.
type kubectlResult struct {
	Stdout, Stderr string
	Err            error
}

// kubectl runs stock kubectl (k8s.io/kubectl, linked into this test
// binary, in a child process) against the test server.
func kubectl(t *testing.T, args ...string) kubectlResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(baseCtx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), kubectlEnv+"=1", "KUBECONFIG="+kubeconfig, "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := kubectlResult{Stdout: out.String(), Stderr: errb.String(), Err: err}
	t.Logf("$ kubectl %v  [err %v]\n%s%s", args, err, r.Stdout, r.Stderr)
	return r
}

// mustKubectl is kubectl that fails the test on a non-zero exit.
func mustKubectl(t *testing.T, args ...string) string {
	t.Helper()
	r := kubectl(t, args...)
	if r.Err != nil {
		t.Fatalf("kubectl %v: %v\n%s", args, r.Err, r.Stderr)
	}
	return r.Stdout
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
