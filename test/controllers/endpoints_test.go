package controllers

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"orca/internal/controller/endpoints"
	"orca/internal/controller/endpointslice"
)

// epService is a ClusterIP Service selecting app=name, port 80 to the
// container port named "http".
func epService(name string, mutate ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": "blue"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "web", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func epCreateService(t *testing.T, ns string, s *corev1.Service) *corev1.Service {
	t.Helper()
	got, err := client.CoreV1().Services(ns).Create(baseCtx, s, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// epDeployment is depNew with the container port http=8080.
func epDeployment(name string, n int32, mutate ...func(*appsv1.Deployment)) *appsv1.Deployment {
	return depNew(name, n, append([]func(*appsv1.Deployment){func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
	}}, mutate...)...)
}

// epSlices lists the slices of a Service managed by the EndpointSlice
// controller.
func epSlices(t *testing.T, ns, svc string) []discoveryv1.EndpointSlice {
	t.Helper()
	l, err := client.DiscoveryV1().EndpointSlices(ns).List(baseCtx, metav1.ListOptions{
		LabelSelector: "kubernetes.io/service-name=" + svc + ",endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io",
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(l.Items, func(i, j int) bool { return l.Items[i].Name < l.Items[j].Name })
	return l.Items
}

// epPodIPs maps the IPs of the pods labelled app=app to their pods.
func epPodIPs(t *testing.T, ns, app string) map[string]corev1.Pod {
	t.Helper()
	l, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]corev1.Pod{}
	for _, p := range l.Items {
		if p.Status.PodIP != "" {
			out[p.Status.PodIP] = p
		}
	}
	return out
}

// epSliceSummary is "ip:ready/serving/terminating" of every endpoint in
// the slices, sorted.
func epSliceSummary(slices []discoveryv1.EndpointSlice) []string {
	var out []string
	b := func(p *bool) string {
		if p != nil && *p {
			return "T"
		}
		return "F"
	}
	for _, s := range slices {
		for _, ep := range s.Endpoints {
			c := ep.Conditions
			out = append(out, fmt.Sprintf("%s:%s%s%s", strings.Join(ep.Addresses, ","), b(c.Ready), b(c.Serving), b(c.Terminating)))
		}
	}
	sort.Strings(out)
	return out
}

// epWaitSlices polls until the Service's slices satisfy ok.
func epWaitSlices(t *testing.T, ns, svc, what string, ok func([]discoveryv1.EndpointSlice) bool) []discoveryv1.EndpointSlice {
	t.Helper()
	var last []discoveryv1.EndpointSlice
	poll(t, 60*time.Second, what, func() bool {
		last = epSlices(t, ns, svc)
		return ok(last)
	})
	return last
}

// A Deployment behind a Service: one slice with every pod's IP, the port
// resolved by name, upstream's labels, owner and endpoint fields.
func TestEndpointSliceDeployment(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, epDeployment("web", 3))
	svc := epCreateService(t, ns, epService("web"))
	slices := epWaitSlices(t, ns, "web", "3 ready endpoints", func(s []discoveryv1.EndpointSlice) bool {
		sum := epSliceSummary(s)
		return len(sum) == 3 && strings.HasSuffix(sum[0], ":TTF") && strings.HasSuffix(sum[2], ":TTF")
	})
	if len(slices) != 1 {
		t.Fatalf("want 1 slice, got %d", len(slices))
	}
	s := slices[0]
	if !strings.HasPrefix(s.Name, "web-") || s.AddressType != discoveryv1.AddressTypeIPv4 {
		t.Errorf("slice name %q address type %q", s.Name, s.AddressType)
	}
	if s.Labels["team"] != "blue" || s.Labels["kubernetes.io/service-name"] != "web" {
		t.Errorf("labels %v", s.Labels)
	}
	if _, headless := s.Labels["service.kubernetes.io/headless"]; headless {
		t.Errorf("ClusterIP service's slice labelled headless: %v", s.Labels)
	}
	ref := metav1.GetControllerOf(&s)
	if ref == nil || ref.Kind != "Service" || ref.UID != svc.UID || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Errorf("owner %+v", s.OwnerReferences)
	}
	if len(s.Ports) != 1 || *s.Ports[0].Port != 8080 || *s.Ports[0].Name != "web" || *s.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("ports %+v", s.Ports)
	}
	ips := epPodIPs(t, ns, "web")
	for _, ep := range s.Endpoints {
		p, ok := ips[ep.Addresses[0]]
		if !ok {
			t.Errorf("endpoint %v is no pod's IP (%v)", ep.Addresses, ips)
			continue
		}
		if ep.NodeName == nil || *ep.NodeName != p.Spec.NodeName || ep.TargetRef == nil || ep.TargetRef.Name != p.Name || ep.TargetRef.UID != p.UID {
			t.Errorf("endpoint %+v for pod %s on %s", ep, p.Name, p.Spec.NodeName)
		}
	}
	poll(t, 30*time.Second, "3 ready addresses in the Endpoints", func() bool {
		r, n := epAddressCount(epEndpoints(t, ns, "web"))
		return r == 3 && n == 0
	})
	epNoChurn(t, ns, "web")

	// A pod shutting down stays as a terminating endpoint, not ready,
	// until it is gone; it leaves the Endpoints at once.
	slow := pdbPod("web-slow", "web")
	slow.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
	slow.Spec.TerminationGracePeriodSeconds = new(int64(10))
	slow.Annotations = map[string]string{"sim.orca.dev/shutdown-delay": "3s"}
	pdbCreatePod(t, ns, slow)
	epWaitSlices(t, ns, "web", "4 ready endpoints", func(s []discoveryv1.EndpointSlice) bool {
		sum := epSliceSummary(s)
		return len(sum) == 4 && strings.HasSuffix(sum[0], ":TTF") && strings.HasSuffix(sum[3], ":TTF")
	})
	if err := client.CoreV1().Pods(ns).Delete(baseCtx, "web-slow", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	epWaitSlices(t, ns, "web", "a terminating endpoint", func(s []discoveryv1.EndpointSlice) bool {
		for _, e := range epSliceSummary(s) {
			if strings.HasPrefix(e[strings.Index(e, ":")+1:], "F") && strings.HasSuffix(e, "T") {
				return true
			}
		}
		return false
	})
	poll(t, 30*time.Second, "3 ready addresses in the Endpoints", func() bool {
		r, n := epAddressCount(epEndpoints(t, ns, "web"))
		return r == 3 && n == 0
	})
	epWaitSlices(t, ns, "web", "the terminated pod gone", func(s []discoveryv1.EndpointSlice) bool { return len(epSliceSummary(s)) == 3 })

	// The Service goes: its slices (garbage collected) and Endpoints too.
	if err := client.CoreV1().Services(ns).Delete(baseCtx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	epWaitSlices(t, ns, "web", "the slices gone with the Service", func(s []discoveryv1.EndpointSlice) bool { return len(s) == 0 })
	poll(t, 30*time.Second, "the Endpoints gone with the Service", func() bool { return epEndpoints(t, ns, "web") == nil })
}

// epEndpoints gets the Service's v1 Endpoints (nil while missing).
func epEndpoints(t *testing.T, ns, name string) *corev1.Endpoints {
	t.Helper()
	ep, err := client.CoreV1().Endpoints(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return ep
}

// epAddressCount is the number of ready and not ready addresses.
func epAddressCount(ep *corev1.Endpoints) (ready, notReady int) {
	if ep == nil {
		return -1, -1
	}
	for _, s := range ep.Subsets {
		ready += len(s.Addresses)
		notReady += len(s.NotReadyAddresses)
	}
	return ready, notReady
}

// A pod whose container exits fails readiness: its endpoint turns not
// ready (ready and serving false) in the slice and moves to the not-ready
// addresses of the Endpoints; restarted, it comes back. A Service that
// publishes not-ready addresses keeps it ready throughout.
func TestEndpointReadinessFlip(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, epDeployment("flip", 1, func(d *appsv1.Deployment) {
		// The first container runs 3 s, then fails; the restart runs on.
		// Each start takes 4 s: the pod stays not ready that long.
		d.Spec.Template.Annotations = map[string]string{
			"sim.orca.dev/run-for": "3s", "sim.orca.dev/exit-code": "1", "sim.orca.dev/until-attempt": "1",
			"sim.orca.dev/start-delay": "4s",
		}
	}))
	epCreateService(t, ns, epService("flip"))
	epCreateService(t, ns, epService("flip-all", func(s *corev1.Service) {
		s.Spec.Selector = map[string]string{"app": "flip"}
		s.Spec.PublishNotReadyAddresses = true
	}))
	epWaitSlices(t, ns, "flip", "a ready endpoint", func(s []discoveryv1.EndpointSlice) bool {
		sum := epSliceSummary(s)
		return len(sum) == 1 && strings.HasSuffix(sum[0], ":TTF")
	})
	poll(t, 30*time.Second, "the endpoint not ready in the slice and the Endpoints", func() bool {
		sum := epSliceSummary(epSlices(t, ns, "flip"))
		r, n := epAddressCount(epEndpoints(t, ns, "flip"))
		return len(sum) == 1 && strings.HasSuffix(sum[0], ":FFF") && r == 0 && n == 1
	})
	all := epSliceSummary(epSlices(t, ns, "flip-all"))
	if len(all) != 1 || !strings.HasSuffix(all[0], ":TFF") {
		t.Errorf("publishNotReadyAddresses: %v, want ready, not serving", all)
	}
	if r, n := epAddressCount(epEndpoints(t, ns, "flip-all")); r != 1 || n != 0 {
		t.Errorf("publishNotReadyAddresses Endpoints: %d ready %d not ready, want 1 0", r, n)
	}
	epWaitSlices(t, ns, "flip", "the endpoint ready again", func(s []discoveryv1.EndpointSlice) bool {
		sum := epSliceSummary(s)
		return len(sum) == 1 && strings.HasSuffix(sum[0], ":TTF")
	})
	poll(t, 30*time.Second, "the address ready again in the Endpoints", func() bool {
		r, n := epAddressCount(epEndpoints(t, ns, "flip"))
		return r == 1 && n == 0
	})
}

// 150 replicas make two slices of at most 100 endpoints; scaled down, the
// slices shrink in place.
func TestEndpointSliceScale(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, epDeployment("big", 150, func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
	}))
	epCreateService(t, ns, epService("big"))
	slices := epWaitSlices(t, ns, "big", "150 ready endpoints", func(s []discoveryv1.EndpointSlice) bool {
		sum := epSliceSummary(s)
		return len(sum) == 150 && strings.HasSuffix(sum[0], ":TTF") && strings.HasSuffix(sum[149], ":TTF")
	})
	if len(slices) != 2 || len(slices[0].Endpoints) > 100 || len(slices[1].Endpoints) > 100 {
		t.Fatalf("want 2 slices of at most 100, got %d: %d, ...", len(slices), len(slices[0].Endpoints))
	}
	names := map[string]bool{slices[0].Name: true, slices[1].Name: true}
	poll(t, 60*time.Second, "150 ready addresses in the Endpoints", func() bool {
		r, n := epAddressCount(epEndpoints(t, ns, "big"))
		return r == 150 && n == 0
	})
	mustKubectl(t, "-n", ns, "scale", "deployment/big", "--replicas=5")
	slices = epWaitSlices(t, ns, "big", "5 endpoints", func(s []discoveryv1.EndpointSlice) bool { return len(epSliceSummary(s)) == 5 })
	for _, s := range slices {
		if !names[s.Name] {
			t.Errorf("slice %s is new: scaling down should shrink the existing slices", s.Name)
		}
	}
	poll(t, 60*time.Second, "5 addresses in the Endpoints", func() bool {
		r, _ := epAddressCount(epEndpoints(t, ns, "big"))
		return r == 5
	})
}

// Endpoints written by hand for a Service without a selector are
// mirrored to a slice owned by the Endpoints; changes follow; the
// skip-mirror label and a selector on the Service take the slice away.
func TestEndpointSliceMirroring(t *testing.T) {
	ns := newNamespace(t)
	epCreateService(t, ns, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "ext"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "db", Port: 5432}}},
	})
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Labels: map[string]string{"team": "db"}, Annotations: map[string]string{"note": "by hand"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses:         []corev1.EndpointAddress{{IP: "192.0.2.10"}, {IP: "192.0.2.11"}},
			NotReadyAddresses: []corev1.EndpointAddress{{IP: "192.0.2.12"}},
			Ports:             []corev1.EndpointPort{{Name: "db", Port: 5432, Protocol: corev1.ProtocolTCP}},
		}},
	}
	ep, err := client.CoreV1().Endpoints(ns).Create(baseCtx, ep, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mirrored := func() []discoveryv1.EndpointSlice {
		l, err := client.DiscoveryV1().EndpointSlices(ns).List(baseCtx, metav1.ListOptions{
			LabelSelector: "kubernetes.io/service-name=ext,endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io"})
		if err != nil {
			t.Fatal(err)
		}
		return l.Items
	}
	var got []discoveryv1.EndpointSlice
	poll(t, 30*time.Second, "a mirrored slice of 3 endpoints", func() bool {
		got = mirrored()
		return len(got) == 1 && len(got[0].Endpoints) == 3
	})
	s := got[0]
	if ref := metav1.GetControllerOf(&s); ref == nil || ref.Kind != "Endpoints" || ref.UID != ep.UID {
		t.Errorf("owner %+v", s.OwnerReferences)
	}
	if s.Labels["team"] != "db" || s.Annotations["note"] != "by hand" || s.AddressType != discoveryv1.AddressTypeIPv4 {
		t.Errorf("labels %v annotations %v type %s", s.Labels, s.Annotations, s.AddressType)
	}
	if sum := epSliceSummary(got); strings.Join(sum, " ") != "192.0.2.10:TFF 192.0.2.11:TFF 192.0.2.12:FFF" {
		t.Errorf("endpoints %v", sum)
	}
	if len(s.Ports) != 1 || *s.Ports[0].Port != 5432 || *s.Ports[0].Name != "db" {
		t.Errorf("ports %+v", s.Ports)
	}
	// The EndpointSlice controller leaves a selectorless Service alone.
	if own := epSlices(t, ns, "ext"); len(own) != 0 {
		t.Errorf("EndpointSlice controller made %d slices for a selectorless Service", len(own))
	}
	mustKubectl(t, "-n", ns, "patch", "endpoints", "ext", "--type=json",
		`-p=[{"op":"remove","path":"/subsets/0/addresses/0"}]`)
	poll(t, 30*time.Second, "the removed address gone from the slice", func() bool {
		got = mirrored()
		return len(got) == 1 && len(got[0].Endpoints) == 2 && got[0].Name == s.Name
	})
	mustKubectl(t, "-n", ns, "label", "endpoints", "ext", "endpointslice.kubernetes.io/skip-mirror=true")
	poll(t, 30*time.Second, "the mirrored slice deleted for skip-mirror", func() bool { return len(mirrored()) == 0 })
	mustKubectl(t, "-n", ns, "label", "endpoints", "ext", "endpointslice.kubernetes.io/skip-mirror-")
	poll(t, 30*time.Second, "mirrored again", func() bool { return len(mirrored()) == 1 })
	mustKubectl(t, "-n", ns, "delete", "endpoints", "ext")
	poll(t, 30*time.Second, "the mirrored slice gone with its Endpoints", func() bool { return len(mirrored()) == 0 })
}

// lbIPs is the Service's load balancer ingress IPs (all with ipMode VIP).
func lbIPs(t *testing.T, ns, name string) map[string]bool {
	t.Helper()
	s, err := client.CoreV1().Services(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, in := range s.Status.LoadBalancer.Ingress {
		if in.IPMode == nil || *in.IPMode != corev1.LoadBalancerIPModeVIP {
			t.Errorf("ingress %s without ipMode VIP", in.IP)
		}
		out[in.IP] = true
	}
	return out
}

// nodeIP is a node's InternalIP.
func nodeIP(t *testing.T, name string) string {
	t.Helper()
	n, err := client.CoreV1().Nodes().Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	t.Fatalf("node %s has no InternalIP", name)
	return ""
}

// A LoadBalancer Service gets the addresses of the Ready, schedulable
// nodes; a cordoned or dead node drops out; a Service of another
// loadBalancerClass is left alone; changing the type clears the status.
func TestServiceLBStatus(t *testing.T) {
	ns := newNamespace(t)
	// Virtual nodes' addresses count from 10.255.0.0 in every group: only
	// lb-0004 and lb-0005 have addresses of their own.
	stop := virtualNodes(t, "lb", 6)
	ip0, ip1, shared := nodeIP(t, "lb-0004"), nodeIP(t, "lb-0005"), nodeIP(t, "shared-0000")
	epCreateService(t, ns, epService("lb", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer }))
	epCreateService(t, ns, epService("other", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeLoadBalancer
		s.Spec.LoadBalancerClass = new("example.com/lb")
	}))
	poll(t, 30*time.Second, "the load balancer on every node", func() bool {
		ips := lbIPs(t, ns, "lb")
		return ips[ip0] && ips[ip1] && ips[shared]
	})
	out := mustKubectl(t, "-n", ns, "get", "svc", "lb")
	if !strings.Contains(out, ip0) {
		t.Errorf("kubectl get svc shows no external IP %s:\n%s", ip0, out)
	}
	mustKubectl(t, "cordon", "lb-0004")
	poll(t, 30*time.Second, "the cordoned node gone from the load balancer", func() bool {
		ips := lbIPs(t, ns, "lb")
		return !ips[ip0] && ips[ip1] && ips[shared]
	})
	stop()
	poll(t, 30*time.Second, "the dead node gone from the load balancer", func() bool {
		ips := lbIPs(t, ns, "lb")
		return !ips[ip1] && ips[shared]
	})
	if ips := lbIPs(t, ns, "other"); len(ips) != 0 {
		t.Errorf("another class's load balancer got %v", ips)
	}
	mustKubectl(t, "-n", ns, "patch", "svc", "lb", "-p", `{"spec":{"type":"ClusterIP"}}`)
	poll(t, 30*time.Second, "the status cleared for a ClusterIP Service", func() bool { return len(lbIPs(t, ns, "lb")) == 0 })
}

// A headless Service governing a StatefulSet: slices and Endpoints carry
// the headless label and each pod's hostname.
func TestEndpointHeadlessStatefulSet(t *testing.T) {
	ns := newNamespace(t)
	epCreateService(t, ns, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  map[string]string{"app": "db"},
			Ports:     []corev1.ServicePort{{Name: "pg", Port: 5432}},
		},
	})
	stsCreate(t, ns, stsNew("db", 2, "postgres:17", nil))
	slices := epWaitSlices(t, ns, "db", "2 ready endpoints", func(s []discoveryv1.EndpointSlice) bool {
		sum := epSliceSummary(s)
		return len(sum) == 2 && strings.HasSuffix(sum[0], ":TTF") && strings.HasSuffix(sum[1], ":TTF")
	})
	if v, ok := slices[0].Labels["service.kubernetes.io/headless"]; !ok || v != "" {
		t.Errorf("slice labels %v: want service.kubernetes.io/headless=\"\"", slices[0].Labels)
	}
	hosts := map[string]bool{}
	for _, ep := range slices[0].Endpoints {
		if ep.Hostname != nil {
			hosts[*ep.Hostname] = true
		}
	}
	if !hosts["db-0"] || !hosts["db-1"] {
		t.Errorf("slice hostnames %v, want db-0 and db-1", hosts)
	}
	var ep *corev1.Endpoints
	poll(t, 30*time.Second, "2 ready addresses in the Endpoints", func() bool {
		ep = epEndpoints(t, ns, "db")
		r, _ := epAddressCount(ep)
		return r == 2
	})
	if _, ok := ep.Labels["service.kubernetes.io/headless"]; !ok {
		t.Errorf("Endpoints labels %v: want the headless label", ep.Labels)
	}
	for _, a := range ep.Subsets[0].Addresses {
		if a.Hostname != a.TargetRef.Name {
			t.Errorf("address %s hostname %q for pod %s", a.IP, a.Hostname, a.TargetRef.Name)
		}
	}
	epNoChurn(t, ns, "db")
	if ep.Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
		t.Errorf("no %s annotation: %v", corev1.EndpointsLastChangeTriggerTime, ep.Annotations)
	}
}

// Pods that resolve a named targetPort to different numbers land in
// different slices; kubectl shows slices, Endpoints and the Service as
// upstream does.
func TestEndpointNamedPortsAndKubectl(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, epDeployment("np", 2))
	alt := pdbPod("np-alt", "np")
	alt.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 9090}}
	pdbCreatePod(t, ns, alt)
	epCreateService(t, ns, epService("np"))
	slices := epWaitSlices(t, ns, "np", "3 ready endpoints", func(s []discoveryv1.EndpointSlice) bool {
		sum := epSliceSummary(s)
		return len(sum) == 3 && strings.HasSuffix(sum[0], ":TTF") && strings.HasSuffix(sum[1], ":TTF") && strings.HasSuffix(sum[2], ":TTF")
	})
	ports := map[int32]int{}
	for _, s := range slices {
		if len(s.Ports) != 1 {
			t.Fatalf("slice %s ports %+v", s.Name, s.Ports)
		}
		ports[*s.Ports[0].Port] += len(s.Endpoints)
	}
	if len(slices) != 2 || ports[8080] != 2 || ports[9090] != 1 {
		t.Errorf("want 2 slices, 8080×2 and 9090×1; got %d slices %v", len(slices), ports)
	}
	ips := epPodIPs(t, ns, "np")
	var altIP string
	for ip, p := range ips {
		if p.Name == "np-alt" {
			altIP = ip
		}
	}
	poll(t, 30*time.Second, "3 addresses in the Endpoints", func() bool {
		r, _ := epAddressCount(epEndpoints(t, ns, "np"))
		return r == 3
	})
	epNoChurn(t, ns, "np")
	ep := epEndpoints(t, ns, "np")
	if len(ep.Subsets) != 2 {
		t.Errorf("Endpoints subsets %+v: want one per port", ep.Subsets)
	}

	out := mustKubectl(t, "-n", ns, "get", "endpoints", "np")
	if !strings.Contains(out, altIP+":9090") || !strings.Contains(out, "ENDPOINTS") {
		t.Errorf("kubectl get endpoints:\n%s", out)
	}
	out = mustKubectl(t, "-n", ns, "get", "endpointslices")
	for _, s := range slices {
		if !strings.Contains(out, s.Name) || !strings.Contains(out, "IPv4") {
			t.Errorf("kubectl get endpointslices lacks %s:\n%s", s.Name, out)
		}
	}
	if !strings.Contains(out, "9090") || !strings.Contains(out, altIP) {
		t.Errorf("kubectl get endpointslices:\n%s", out)
	}
	out = mustKubectl(t, "-n", ns, "describe", "svc", "np")
	if !strings.Contains(out, altIP+":9090") || !strings.Contains(strings.Join(strings.Fields(out), " "), "TargetPort: http/TCP Endpoints:") {
		t.Errorf("kubectl describe svc:\n%s", out)
	}
	out = mustKubectl(t, "-n", ns, "describe", "endpointslice", slices[0].Name)
	if !strings.Contains(out, "Ready:") || !strings.Contains(out, "TargetRef:") {
		t.Errorf("kubectl describe endpointslice:\n%s", out)
	}
}

// A Service that loses its selector: the controller's slices go, the
// Endpoints stays (now the user's) and is mirrored.
func TestEndpointSelectorRemoved(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, epDeployment("sel", 2))
	epCreateService(t, ns, epService("sel"))
	epWaitSlices(t, ns, "sel", "2 endpoints", func(s []discoveryv1.EndpointSlice) bool { return len(epSliceSummary(s)) == 2 })
	poll(t, 30*time.Second, "2 ready addresses in the Endpoints", func() bool {
		r, _ := epAddressCount(epEndpoints(t, ns, "sel"))
		return r == 2
	})
	mustKubectl(t, "-n", ns, "patch", "svc", "sel", "--type=json", `-p=[{"op":"remove","path":"/spec/selector"}]`)
	epWaitSlices(t, ns, "sel", "the controller's slices gone", func(s []discoveryv1.EndpointSlice) bool { return len(s) == 0 })
	poll(t, 30*time.Second, "the Endpoints mirrored", func() bool {
		l, err := client.DiscoveryV1().EndpointSlices(ns).List(baseCtx, metav1.ListOptions{
			LabelSelector: "kubernetes.io/service-name=sel,endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io"})
		return err == nil && len(l.Items) == 1 && len(l.Items[0].Endpoints) == 2
	})
	if r, _ := epAddressCount(epEndpoints(t, ns, "sel")); r != 2 {
		t.Errorf("the Endpoints changed after the selector went: %d ready addresses", r)
	}
}

// epNoChurn checks that what the server stored is what the controllers
// want: a sync of the live objects plans no slice writes and finds the
// Endpoints current (the server's defaulting must not make every sync
// rewrite them).
func epNoChurn(t *testing.T, ns, name string) {
	t.Helper()
	svc, err := client.CoreV1().Services(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
	if err != nil {
		t.Fatal(err)
	}
	var pods []*corev1.Pod
	for i := range pl.Items {
		pods = append(pods, &pl.Items[i])
	}
	zone := func(node string) (string, bool) {
		n, err := client.CoreV1().Nodes().Get(baseCtx, node, metav1.GetOptions{})
		if err != nil {
			return "", false
		}
		return n.Labels[corev1.LabelTopologyZone], true
	}
	var live []*discoveryv1.EndpointSlice
	for _, s := range epSlices(t, ns, name) {
		live = append(live, &s)
	}
	groups, _ := endpointslice.Desired(svc, pods, zone)
	if p := endpointslice.Decide(endpointslice.TargetFor(svc, groups), live); !p.Empty() {
		t.Errorf("stored slices are not what the controller wants: %d creates %d updates %d deletes", len(p.Create), len(p.Update), len(p.Delete))
	}
	if ep := epEndpoints(t, ns, name); ep == nil || !endpoints.Current(ep, endpoints.Desired(svc, pods)) {
		t.Errorf("stored Endpoints is not what the controller wants: %+v", ep)
	}
}
