package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The Service proxy's e2e tests (the proxy is internal/proxy, in the
// agent). Each makes a Deployment of 3 orca.local/server pods (each answers
// GET / with its pod name) and a Service in front of it.

// serviceVIP: a few hundred requests to the ClusterIP, from the host and
// from a busybox pod, reach all three pods.
func serviceVIP(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "service-vip")
	pods := n.serviceBackends(t, ns, "web")
	svc := n.createService(t, ns, "web", corev1.ServiceTypeClusterIP, nil)
	vip := net.JoinHostPort(svc.Spec.ClusterIP, "80")
	waitNames(t, "http://"+vip+"/", pods, 60*time.Second)
	if seen := countNames(t, "http://"+vip+"/", 300); !sameNames(seen, pods) {
		t.Errorf("300 requests from the host to %s reached %v, want all of %v", vip, seen, pods)
	}

	client := n.createPod(t, busyboxPod(ns, "client", sleepScript))
	n.waitPod(t, ns, client.Name, "running", 60*time.Second, runningReady)
	script := fmt.Sprintf("for i in $(seq 150); do wget -q -O - http://%s/; done", vip)
	res := n.kubectl(t, "exec", "client", "-n", ns, "--", "sh", "-c", script)
	if !ok(t, res, "wget loop in the client pod") {
		return
	}
	seen := map[string]int{}
	for _, l := range outLines(res.Stdout) {
		seen[strings.TrimSpace(l)]++
	}
	if !sameNames(seen, pods) {
		t.Errorf("150 requests from a pod to %s reached %v, want all of %v", vip, seen, pods)
	}
}

// serviceNodePort: the NodePort on the node's IP balances over the three
// pods, and a LoadBalancer Service is reachable on its port at the address
// the ServiceLB controller puts in its status (a node address).
func serviceNodePort(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "service-nodeport")
	pods := n.serviceBackends(t, ns, "web")
	svc := n.createService(t, ns, "web", corev1.ServiceTypeNodePort, nil)
	addr := net.JoinHostPort(n.nodeInternalIP(t), strconv.Itoa(int(svc.Spec.Ports[0].NodePort)))
	waitNames(t, "http://"+addr+"/", pods, 60*time.Second)
	if seen := countNames(t, "http://"+addr+"/", 300); !sameNames(seen, pods) {
		t.Errorf("300 requests to NodePort %s reached %v, want all of %v", addr, seen, pods)
	}

	lb := n.createService(t, ns, "web-lb", corev1.ServiceTypeLoadBalancer, func(s *corev1.Service) {
		s.Spec.Selector = map[string]string{"app": "web"}
		s.Spec.Ports[0].Port = 18080 // not the ingress's 80
	})
	ip := n.waitLoadBalancerIP(t, ns, lb.Name, 60*time.Second)
	lbAddr := net.JoinHostPort(ip, "18080")
	waitNames(t, "http://"+lbAddr+"/", pods, 30*time.Second)
}

// serviceAffinity: with sessionAffinity ClientIP every request from the
// host goes to the same pod.
func serviceAffinity(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "service-affinity")
	pods := n.serviceBackends(t, ns, "web")
	svc := n.createService(t, ns, "web", corev1.ServiceTypeClusterIP, func(s *corev1.Service) {
		s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
	})
	url := "http://" + net.JoinHostPort(svc.Spec.ClusterIP, "80") + "/"
	waitHTTP(t, url, 60*time.Second)
	// Wait until all three endpoints are programmed, so stickiness is
	// not just a single endpoint.
	n.waitReadyEndpoints(t, ns, "web", len(pods), 60*time.Second)
	if seen := countNames(t, url, 60); len(seen) != 1 {
		t.Errorf("60 requests with ClientIP affinity reached %v, want one pod", seen)
	}
}

// serviceHairpin: a pod reaching its own Service lands on itself (the
// proxy masquerades hairpin traffic, or the pod would answer itself
// directly and the connection would not match).
func serviceHairpin(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "service-hairpin")
	script := "mkdir -p /www && hostname > /www/index.html && httpd -p 8080 -h /www && " + sleepScript
	pod := busyboxPod(ns, "self", script)
	pod.Labels = map[string]string{"app": "self"}
	n.createPod(t, pod)
	n.waitPod(t, ns, "self", "running", 60*time.Second, runningReady)
	svc := n.createService(t, ns, "self", corev1.ServiceTypeClusterIP, func(s *corev1.Service) {
		s.Spec.Ports[0].TargetPort = intstr.FromInt32(8080)
	})
	url := "http://" + net.JoinHostPort(svc.Spec.ClusterIP, "80") + "/"
	waitHTTP(t, url, 60*time.Second)
	res := n.kubectl(t, "exec", "self", "-n", ns, "--", "sh", "-c", "for i in 1 2 3; do wget -q -O - "+url+"; done")
	if ok(t, res, "wget own Service") {
		if lines := outLines(res.Stdout); len(lines) != 3 || lines[0] != "self" {
			t.Errorf("pod through its own Service got %q, want self three times", res.Stdout)
		}
	}
}

// serviceReadiness: a pod failing its readiness probe (period 1 s) leaves
// the rotation within a few probe periods, and returns once it passes.
func serviceReadiness(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "service-readiness")
	pods := n.serviceBackends(t, ns, "web")
	svc := n.createService(t, ns, "web", corev1.ServiceTypeClusterIP, nil)
	url := "http://" + net.JoinHostPort(svc.Spec.ClusterIP, "80") + "/"
	waitNames(t, url, pods, 60*time.Second)

	victim := pods[0]
	ok(t, n.kubectl(t, "exec", victim, "-n", ns, "--", "touch", "/tmp/unhealthy"), "touch /tmp/unhealthy")
	start := time.Now()
	left := waitRotation(t, url, victim, false, 20*time.Second)
	t.Logf("%s left the rotation %v after failing its probe", victim, left.Round(10*time.Millisecond))
	if seen := countNames(t, url, 100); seen[victim] > 0 || len(seen) != len(pods)-1 {
		t.Errorf("after leaving, 100 requests reached %v, want the other two pods only", seen)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("unready pod served for %v", d)
	}

	ok(t, n.kubectl(t, "exec", victim, "-n", ns, "--", "rm", "/tmp/unhealthy"), "rm /tmp/unhealthy")
	back := waitRotation(t, url, victim, true, 20*time.Second)
	t.Logf("%s back in the rotation %v after passing its probe", victim, back.Round(10*time.Millisecond))
}

// serviceNoEndpoints: a Service whose selector matches no pod refuses
// connections at once, on its ClusterIP and on its NodePort (not a
// timeout).
func serviceNoEndpoints(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "service-no-endpoints")
	svc := n.createService(t, ns, "nobody", corev1.ServiceTypeNodePort, func(s *corev1.Service) {
		s.Spec.Selector = map[string]string{"app": "nobody"}
	})
	for _, addr := range []string{
		net.JoinHostPort(svc.Spec.ClusterIP, "80"),
		net.JoinHostPort(n.nodeInternalIP(t), strconv.Itoa(int(svc.Spec.Ports[0].NodePort))),
	} {
		// Until the proxy has the Service, the address is dropped: poll
		// until it is refused, then time a fresh connection.
		deadline := time.Now().Add(30 * time.Second)
		for !isRefused(dialOnce(addr, 300*time.Millisecond)) {
			if time.Now().After(deadline) {
				t.Fatalf("dial %s: not refused within 30s", addr)
			}
			time.Sleep(100 * time.Millisecond)
		}
		start := time.Now()
		err := dialOnce(addr, 3*time.Second)
		d := time.Since(start)
		t.Logf("%s: %v in %v", addr, err, d.Round(time.Millisecond))
		if !isRefused(err) || d > time.Second {
			t.Errorf("dial %s: %v after %v, want connection refused at once", addr, err, d)
		}
	}
}

func dialOnce(addr string, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if c != nil {
		c.Close()
	}
	return err
}

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// serviceBackends creates a Deployment of 3 server pods labelled app=web
// with a readiness probe on /healthz every second, waits for it, and
// returns the pods' names.
func (n *nodeUp) serviceBackends(t *testing.T, ns, name string) []string {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptrTo(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: int64p(2),
					Containers: []corev1.Container{{
						Name: "s", Image: "orca.local/server:v1", ImagePullPolicy: corev1.PullNever,
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
							PeriodSeconds:    1,
							FailureThreshold: 1,
						},
					}},
				},
			},
		},
	}
	if _, err := n.CS.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if res := n.kubectl(t, "rollout", "status", "deployment/"+name, "-n", ns, "--timeout=90s"); !ok(t, res, "rollout status") {
		t.FailNow()
	}
	list, err := n.CS.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	if len(names) != 3 {
		t.Fatalf("deployment pods %v, want 3", names)
	}
	return names
}

// createService creates a Service selecting app=<name>, port 80 → "http".
func (n *nodeUp) createService(t *testing.T, ns, name string, typ corev1.ServiceType, mod func(*corev1.Service)) *corev1.Service {
	t.Helper()
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
	if mod != nil {
		mod(s)
	}
	out, err := n.CS.CoreV1().Services(ns).Create(context.Background(), s, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create service %s/%s: %v", ns, name, err)
	}
	return out
}

func (n *nodeUp) waitLoadBalancerIP(t *testing.T, ns, name string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s, err := n.CS.CoreV1().Services(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && len(s.Status.LoadBalancer.Ingress) > 0 && s.Status.LoadBalancer.Ingress[0].IP != "" {
			return s.Status.LoadBalancer.Ingress[0].IP
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("service %s/%s got no load balancer ingress IP within %v", ns, name, timeout)
	return ""
}

// waitReadyEndpoints waits for the Service's EndpointSlices to list want
// ready endpoints.
func (n *nodeUp) waitReadyEndpoints(t *testing.T, ns, name string, want int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	got := 0
	for time.Now().Before(deadline) {
		list, err := n.CS.DiscoveryV1().EndpointSlices(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + name})
		got = 0
		if err == nil {
			for _, s := range list.Items {
				for _, e := range s.Endpoints {
					if e.Conditions.Ready == nil || *e.Conditions.Ready {
						got++
					}
				}
			}
		}
		if got == want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("service %s/%s has %d ready endpoints, want %d", ns, name, got, want)
}

// countNames sends n requests and counts the answers by pod name.
func countNames(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; i < n; i++ {
		name, err := getName(c, url)
		if err != nil {
			seen["error: "+err.Error()]++
			continue
		}
		seen[name]++
	}
	return seen
}

func getName(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 256)
	for {
		k, err := resp.Body.Read(buf)
		b.Write(buf[:k])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	return strings.TrimSpace(b.String()), nil
}

// sameNames says whether the answers came from exactly these pods, with
// no errors.
func sameNames(seen map[string]int, pods []string) bool {
	if len(seen) != len(pods) {
		return false
	}
	for _, p := range pods {
		if seen[p] == 0 {
			return false
		}
	}
	return true
}

// waitNames polls until a batch of requests reaches exactly the pods (the
// proxy has all endpoints).
func waitNames(t *testing.T, url string, pods []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var seen map[string]int
	for time.Now().Before(deadline) {
		if seen = countNames(t, url, 30); sameNames(seen, pods) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: 30 requests reached %v within %v, want all of %v", url, seen, timeout, pods)
}

// waitRotation polls with batches of 20 requests until pod is in the
// rotation (in: some answer is from it) or out of it (none is), and
// returns how long that took.
func waitRotation(t *testing.T, url, pod string, in bool, timeout time.Duration) time.Duration {
	t.Helper()
	// One answer from the pod proves it is in; out needs enough misses
	// that random balancing over three pods cannot fake them: (2/3)^60 is
	// 3e-11, where 20 misses (1 in 3,300) faked it once in CI.
	sample := 20
	if !in {
		sample = 60
	}
	start := time.Now()
	for time.Since(start) < timeout {
		seen := countNames(t, url, sample)
		if (seen[pod] > 0) == in {
			return time.Since(start)
		}
	}
	t.Fatalf("%s: pod %s in the rotation = %v not reached within %v", url, pod, in, timeout)
	return 0
}
