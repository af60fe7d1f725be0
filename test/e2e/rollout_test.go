package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// nodeDeploymentRollout rolls a Deployment of real pods from the server
// image v1 to v2 with `kubectl set image` while a client keeps reading it:
// each request goes to a random pod that is Ready and not terminating (the
// pods a Service would route to; the Service proxy is a later issue). No
// request may fail, the answers move from v1 to v2, and at no moment are
// fewer than the desired replicas Ready (maxUnavailable 0).
func nodeDeploymentRollout(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "rollout")
	const replicas = 3
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptrTo(int32(replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: ptrTo(intstr.FromInt32(1)), MaxUnavailable: ptrTo(intstr.FromInt32(0)),
			}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: int64p(5),
					Containers: []corev1.Container{{
						Name: "s", Image: "orca.local/server:v1", ImagePullPolicy: corev1.PullNever,
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
							PeriodSeconds: 1,
						},
						// As with a Service: keep serving while clients learn
						// the pod is going.
						Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sleep", "2"}}}},
					}},
				},
			},
		},
	}
	if _, err := n.CS.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if res := n.kubectl(t, "rollout", "status", "deployment/web", "-n", ns, "--timeout=90s"); !ok(t, res, "rollout status (create)") {
		return
	}

	ctx, stop := context.WithCancel(context.Background())
	var mu sync.Mutex
	var failures []string
	versions := map[string]int{}
	var order []string   // distinct answers in the order first seen
	minReady := replicas // fewest pods serving at one moment
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			targets := n.servingPods(ns)
			mu.Lock()
			minReady = min(minReady, len(targets))
			mu.Unlock()
			if len(targets) == 0 {
				mu.Lock()
				failures = append(failures, "no serving pod")
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
				continue
			}
			ip := targets[rand.IntN(len(targets))]
			code, body, err := httpGet("http://" + net.JoinHostPort(ip, "8080") + "/env/VERSION")
			mu.Lock()
			if err != nil || code != 200 {
				failures = append(failures, fmt.Sprintf("%s: %d %v", ip, code, err))
			} else {
				v := strings.TrimSpace(body)
				if versions[v] == 0 {
					order = append(order, v)
				}
				versions[v]++
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	})
	res := n.kubectl(t, "set", "image", "deployment/web", "s=orca.local/server:v2", "-n", ns)
	ok(t, res, "set image")
	res = n.kubectl(t, "rollout", "status", "deployment/web", "-n", ns, "--timeout=120s")
	ok(t, res, "rollout status (update)")
	// Keep reading a moment after the rollout: only v2 answers now.
	time.Sleep(time.Second)
	stop()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("answers %v (first seen in order %v); fewest serving pods during the rollout %d", versions, order, minReady)
	if len(failures) > 0 {
		t.Errorf("%d failed requests during the rollout, first: %s", len(failures), failures[0])
	}
	if len(order) != 2 || order[0] != "v1" || order[1] != "v2" || versions["v1"] == 0 || versions["v2"] == 0 {
		t.Errorf("answers %v in order %v, want v1 then v2", versions, order)
	}
	if minReady < replicas {
		t.Errorf("only %d pods serving at one moment, want at least %d (maxUnavailable 0)", minReady, replicas)
	}
	targets := n.servingPods(ns)
	for _, ip := range targets {
		if _, body, err := httpGet("http://" + net.JoinHostPort(ip, "8080") + "/env/VERSION"); err != nil || strings.TrimSpace(body) != "v2" {
			t.Errorf("pod %s after the rollout answers %q %v, want v2", ip, body, err)
		}
	}
	res = n.kubectl(t, "rollout", "history", "deployment/web", "-n", ns)
	if ok(t, res, "rollout history") && (!strings.Contains(res.Stdout, "\n1 ") || !strings.Contains(res.Stdout, "\n2 ")) {
		t.Errorf("rollout history lacks revisions 1 and 2:\n%s", res.Stdout)
	}
}

// servingPods lists the IPs of the Deployment's pods that are Ready and not
// terminating: those a Service would route to.
func (n *nodeUp) servingPods(ns string) []string {
	list, err := n.CS.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		return nil
	}
	var ips []string
	for i := range list.Items {
		p := &list.Items[i]
		if podReady(p) && p.Status.PodIP != "" && p.DeletionTimestamp == nil {
			ips = append(ips, p.Status.PodIP)
		}
	}
	return ips
}

func ptrTo[T any](v T) *T { return &v }
