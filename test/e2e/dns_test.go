package e2e

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// nodeDNS resolves cluster names from inside a pod with busybox nslookup:
// through the pod's own resolv.conf (the kube-dns Service VIP, the proxy
// sending it to this node's DNS) and straight at the node IP. A ClusterIP
// Service by short name, namespace-qualified and FQDN; a headless
// Service's pod IPs; StatefulSet pod names; SRV; kubernetes.default; PTR;
// a fast NXDOMAIN. It also checks the node's kube-dns EndpointSlice.
func nodeDNS(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "dns")
	ctx := context.Background()
	nodeIP := n.nodeInternalIP(t)
	checkKubeDNSSlice(t, n, nodeIP)

	web := serverPod(ns, "web-pod")
	web.Labels = map[string]string{"app": "dns-web"}
	n.createPod(t, web)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: corev1.ServiceSpec{Selector: web.Labels, Ports: []corev1.ServicePort{
			{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("http")}}},
	}
	svc, err := n.CS.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stsLabels := map[string]string{"app": "dns-sts"}
	hl := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hl"},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: stsLabels, Ports: []corev1.ServicePort{
			{Name: "http", Protocol: corev1.ProtocolTCP, Port: 8080}}},
	}
	if _, err := n.CS.CoreV1().Services(ns).Create(ctx, hl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tmpl := serverPod(ns, "")
	tmpl.Labels = stsLabels
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptrTo(int32(2)), ServiceName: "hl", PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector: &metav1.LabelSelector{MatchLabels: stsLabels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: stsLabels}, Spec: tmpl.Spec},
		},
	}
	if _, err := n.CS.AppsV1().StatefulSets(ns).Create(ctx, sts, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	n.createPod(t, busyboxPod(ns, "client", sleepScript))
	n.waitPod(t, ns, "client", "Running", 60*time.Second, runningReady)
	n.waitPod(t, ns, "web-pod", "Running and Ready", 60*time.Second, runningReady)
	web0 := n.waitPod(t, ns, "web-0", "Running and Ready", 60*time.Second, runningReady)
	web1 := n.waitPod(t, ns, "web-1", "Running and Ready", 60*time.Second, runningReady)

	res := n.kubectl(t, "exec", "client", "-n", ns, "--", "cat", "/etc/resolv.conf")
	if !strings.Contains(res.Out, "nameserver 10.96.0.10") || !strings.Contains(res.Out, "search "+ns+".svc.cluster.local svc.cluster.local cluster.local") {
		t.Errorf("the pod's resolv.conf: %s", res.Out)
	}

	fqdn := "web." + ns + ".svc.cluster.local"
	clusterIP := svc.Spec.ClusterIP
	// Straight at this node's DNS, then through the pod's resolv.conf.
	n.waitLookup(t, ns, "client", []string{"Address: " + clusterIP}, fqdn, nodeIP)
	n.waitLookup(t, ns, "client", []string{"Name:\t" + fqdn, "Address: " + clusterIP}, fqdn)
	n.waitLookup(t, ns, "client", []string{"Address: " + clusterIP}, "web")
	// busybox nslookup applies the search list to dotless names only:
	// dotted short names go through the libc resolver (ndots 5).
	n.waitResolve(t, ns, "client", "web."+ns, clusterIP)
	n.waitResolve(t, ns, "client", "kubernetes.default", "10.96.0.1")
	hlName := "hl." + ns + ".svc.cluster.local"
	n.waitLookup(t, ns, "client", []string{"Address: " + web0.Status.PodIP, "Address: " + web1.Status.PodIP}, hlName)
	n.waitLookup(t, ns, "client", []string{"Address: " + web0.Status.PodIP}, "web-0.hl."+ns+".svc.cluster.local")
	n.waitResolve(t, ns, "client", "web-1.hl", web1.Status.PodIP)
	n.waitLookup(t, ns, "client", []string{"80 " + fqdn}, "-type=srv", "_http._tcp."+fqdn)
	n.waitLookup(t, ns, "client", []string{"8080 web-0." + hlName, "8080 web-1." + hlName}, "-type=srv", "_http._tcp."+hlName)
	n.waitLookup(t, ns, "client", []string{"name = " + fqdn}, "-type=ptr", reverseName(clusterIP))
	n.waitLookup(t, ns, "client", []string{"name = web-0." + hlName}, "-type=ptr", reverseName(web0.Status.PodIP))

	// An unknown name: NXDOMAIN, at once (no forwarding, no timeout).
	for _, server := range []string{nodeIP, ""} {
		args := []string{"exec", "client", "-n", ns, "--", "nslookup", "nope." + ns + ".svc.cluster.local."}
		if server != "" {
			args = append(args, server)
		}
		start := time.Now()
		res := n.kubectl(t, args...)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("NXDOMAIN (server %q) took %v", server, d)
		}
		if !strings.Contains(res.Out, "NXDOMAIN") {
			t.Errorf("unknown name (server %q): want NXDOMAIN; %s", server, res)
		}
	}
}

// checkKubeDNSSlice: the agent published kube-system/kube-dns-<node>.
func checkKubeDNSSlice(t *testing.T, n *nodeUp, nodeIP string) {
	t.Helper()
	sl, err := n.CS.DiscoveryV1().EndpointSlices("kube-system").Get(context.Background(), "kube-dns-"+n.Node, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the node's kube-dns EndpointSlice: %v", err)
	}
	if sl.Labels["kubernetes.io/service-name"] != "kube-dns" || sl.Labels["endpointslice.kubernetes.io/managed-by"] != "orca-agent" ||
		len(sl.Endpoints) != 1 || sl.Endpoints[0].Addresses[0] != nodeIP || sl.Endpoints[0].NodeName == nil || *sl.Endpoints[0].NodeName != n.Node ||
		len(sl.OwnerReferences) != 1 || sl.OwnerReferences[0].Kind != "Node" || len(sl.Ports) != 2 {
		t.Errorf("kube-dns slice: %+v", sl)
	}
}

// nodeDNSCanonicalDemo is the demo: a Deployment of 3, exposed,
// reached by a client pod at web.<ns>.svc.cluster.local across all three;
// a pod that fails readiness leaves the rotation, and comes back.
func nodeDNSCanonicalDemo(t *testing.T, n *nodeUp) {
	ns := n.namespace(t, "demo")
	if res := n.kubectl(t, "create", "deployment", "web", "--image=orca.local/server:v1", "--replicas=3", "-n", ns); !ok(t, res, "create deployment") {
		return
	}
	// A readiness probe, so a failing pod can leave (kubectl create
	// deployment has no flag for it).
	probe := `{"spec":{"template":{"spec":{"containers":[{"name":"server","readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":1,"failureThreshold":1}}]}}}}`
	if res := n.kubectl(t, "patch", "deployment", "web", "-n", ns, "-p", probe); !ok(t, res, "add the readiness probe") {
		return
	}
	if res := n.kubectl(t, "expose", "deployment", "web", "--port", "80", "--target-port", "8080", "-n", ns); !ok(t, res, "expose") {
		return
	}
	if res := n.kubectl(t, "rollout", "status", "deployment/web", "-n", ns, "--timeout=120s"); !ok(t, res, "rollout status") {
		return
	}
	pods := n.readyPods(t, ns, "app=web")
	if len(pods) != 3 {
		t.Fatalf("ready pods after the rollout: %v", pods)
	}
	n.createPod(t, busyboxPod(ns, "client", sleepScript))
	n.waitPod(t, ns, "client", "Running", 60*time.Second, runningReady)

	url := "http://web." + ns + ".svc.cluster.local"
	seen := n.pollAnswers(t, ns, url, 30*time.Second, func(seen map[string]int) bool { return len(seen) == 3 })
	for _, p := range pods {
		if seen[p] == 0 {
			t.Errorf("pod %s never answered: %v", p, seen)
		}
	}

	// One pod fails readiness: it leaves the rotation.
	bad := pods[0]
	if res := n.kubectl(t, "exec", bad, "-n", ns, "--", "touch", "/tmp/unhealthy"); !ok(t, res, "make a pod unready") {
		return
	}
	n.waitPod(t, ns, bad, "not Ready", 30*time.Second, func(p *corev1.Pod) bool { return !podReady(p) })
	// Once the endpoints follow, 60 requests in a row avoid it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := n.answers(t, ns, url, 60)
		if got[bad] == 0 && len(got) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the unready pod %s still answers (or others don't): %v", bad, got)
		}
	}
	// Healthy again: back in rotation.
	if res := n.kubectl(t, "exec", bad, "-n", ns, "--", "rm", "/tmp/unhealthy"); !ok(t, res, "make the pod ready again") {
		return
	}
	seen = n.pollAnswers(t, ns, url, 30*time.Second, func(seen map[string]int) bool { return seen[bad] > 0 })
	if seen[bad] == 0 {
		t.Errorf("pod %s did not come back: %v", bad, seen)
	}
}

// answers GETs url count times from the client pod and counts the
// answering pods' names; failed requests count under "".
func (n *nodeUp) answers(t *testing.T, ns, url string, count int) map[string]int {
	t.Helper()
	script := fmt.Sprintf("for i in $(seq %d); do timeout 5 wget -q -O - %s || echo FAILED; done", count, url)
	res := n.kubectl(t, "exec", "client", "-n", ns, "--", "sh", "-c", script)
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if line == "FAILED" {
				line = ""
			}
			seen[line]++
		}
	}
	return seen
}

// pollAnswers repeats rounds of 30 requests until done holds for all the
// answers seen so far, or timeout.
func (n *nodeUp) pollAnswers(t *testing.T, ns, url string, timeout time.Duration, done func(map[string]int) bool) map[string]int {
	t.Helper()
	seen := map[string]int{}
	deadline := time.Now().Add(timeout)
	for !done(seen) && time.Now().Before(deadline) {
		for k, v := range n.answers(t, ns, url, 30) {
			seen[k] += v
		}
	}
	if seen[""] > 0 {
		t.Errorf("%d requests to %s failed", seen[""], url)
	}
	return seen
}

// readyPods are the names of the Ready pods matching selector, sorted.
func (n *nodeUp) readyPods(t *testing.T, ns, selector string) []string {
	t.Helper()
	list, err := n.CS.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range list.Items {
		if p := &list.Items[i]; runningReady(p) && p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}

// waitLookup runs `nslookup args...` in the pod until its output holds
// every want (the records follow the API within moments), failing the
// test with the last output after 30 s.
func (n *nodeUp) waitLookup(t *testing.T, ns, pod string, want []string, args ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := n.kubectl(t, append([]string{"exec", pod, "-n", ns, "--", "nslookup"}, args...)...)
		missing := ""
		for _, w := range want {
			if !strings.Contains(res.Out, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("nslookup %s: no %q in the output:\n%s", strings.Join(args, " "), missing, res.Out)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitResolve resolves name in the pod through the C library's resolver
// (busybox ping prints "PING name (ip)" first) until it gives ip,
// failing the test after 30 s.
func (n *nodeUp) waitResolve(t *testing.T, ns, pod, name, ip string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := n.kubectl(t, "exec", pod, "-n", ns, "--", "ping", "-c", "1", "-W", "1", name)
		if strings.Contains(res.Out, "PING "+name+" ("+ip+")") {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("resolve %s: want %s:\n%s", name, ip, res.Out)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// reverseName is the in-addr.arpa name of an IPv4 address.
func reverseName(ip string) string {
	p := strings.Split(net.ParseIP(ip).To4().String(), ".")
	return p[3] + "." + p[2] + "." + p[1] + "." + p[0] + ".in-addr.arpa"
}
