package integration

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func service(name string, typ corev1.ServiceType, ports ...int32) *corev1.Service {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{
		Type: typ, Selector: map[string]string{"app": name}, SessionAffinity: corev1.ServiceAffinityNone,
	}}
	if typ == corev1.ServiceTypeNodePort {
		svc.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	for i, p := range ports {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: fmt.Sprintf("p%d", i), Port: p, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(p)})
	}
	return svc
}

var _, serviceCIDR, _ = net.ParseCIDR("10.96.0.0/12")

func TestConcurrentServiceAllocation(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	svcs := client.CoreV1().Services(ns)
	const n = 50
	out := make([]*corev1.Service, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			typ := corev1.ServiceTypeClusterIP
			ports := []int32{80}
			if i%3 == 0 {
				typ, ports = corev1.ServiceTypeNodePort, []int32{80, 443}
			}
			s, err := svcs.Create(ctx, service(fmt.Sprintf("s%02d", i), typ, ports...), metav1.CreateOptions{})
			if err != nil {
				errs <- err
				return
			}
			out[i] = s
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ips := map[string]string{}
	nodePorts := map[int32]string{}
	for _, s := range out {
		ip := net.ParseIP(s.Spec.ClusterIP)
		if ip == nil || !serviceCIDR.Contains(ip) || len(s.Spec.ClusterIPs) != 1 || s.Spec.ClusterIPs[0] != s.Spec.ClusterIP {
			t.Fatalf("%s: clusterIP %q clusterIPs %v", s.Name, s.Spec.ClusterIP, s.Spec.ClusterIPs)
		}
		if other, dup := ips[s.Spec.ClusterIP]; dup {
			t.Fatalf("%s and %s share ClusterIP %s", s.Name, other, s.Spec.ClusterIP)
		}
		ips[s.Spec.ClusterIP] = s.Name
		for _, p := range s.Spec.Ports {
			if s.Spec.Type != corev1.ServiceTypeNodePort {
				if p.NodePort != 0 {
					t.Fatalf("%s (ClusterIP) has nodePort %d", s.Name, p.NodePort)
				}
				continue
			}
			if p.NodePort < 30000 || p.NodePort > 32767 {
				t.Fatalf("%s: nodePort %d outside 30000-32767", s.Name, p.NodePort)
			}
			if other, dup := nodePorts[p.NodePort]; dup {
				t.Fatalf("%s and %s share NodePort %d", s.Name, other, p.NodePort)
			}
			nodePorts[p.NodePort] = s.Name
		}
		// What was answered is what was stored.
		stored := must(svcs.Get(ctx, s.Name, metav1.GetOptions{}))(t)
		if stored.Spec.ClusterIP != s.Spec.ClusterIP {
			t.Fatalf("%s: stored clusterIP %s, answered %s", s.Name, stored.Spec.ClusterIP, s.Spec.ClusterIP)
		}
	}
	if len(nodePorts) != 2*((n+2)/3) {
		t.Fatalf("%d node ports allocated, want %d", len(nodePorts), 2*((n+2)/3))
	}
}

func TestServiceAllocationRelease(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	svcs := client.CoreV1().Services(ns)
	a := must(svcs.Create(ctx, service("a", corev1.ServiceTypeNodePort, 80), metav1.CreateOptions{}))(t)
	ip, port := a.Spec.ClusterIP, a.Spec.Ports[0].NodePort

	// Taken values are refused with 422 naming the field.
	taken := service("taken", corev1.ServiceTypeNodePort, 80)
	taken.Spec.ClusterIP = ip
	_, err := svcs.Create(ctx, taken, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("create with a taken ClusterIP: %v, want 422", err)
	}
	taken.Spec.ClusterIP = ""
	taken.Spec.Ports[0].NodePort = port
	_, err = svcs.Create(ctx, taken, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("create with a taken NodePort: %v, want 422", err)
	}
	// Out-of-range values too.
	outside := service("outside", corev1.ServiceTypeClusterIP, 80)
	outside.Spec.ClusterIP = "192.168.0.10"
	if _, err := svcs.Create(ctx, outside, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("ClusterIP outside the range: %v, want 422", err)
	}

	// Deleting the Service frees both: a new Service may ask for them.
	if err := svcs.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	b := service("b", corev1.ServiceTypeNodePort, 80)
	b.Spec.ClusterIP = ip
	b.Spec.Ports[0].NodePort = port
	got, err := svcs.Create(ctx, b, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("re-using the ClusterIP and NodePort of a deleted Service: %v", err)
	}
	if got.Spec.ClusterIP != ip || got.Spec.Ports[0].NodePort != port {
		t.Fatalf("got %s:%d, want %s:%d", got.Spec.ClusterIP, got.Spec.Ports[0].NodePort, ip, port)
	}

	// Changing type from NodePort to ClusterIP frees the node port.
	got.Spec.Type = corev1.ServiceTypeClusterIP
	got.Spec.ExternalTrafficPolicy = ""
	got.Spec.Ports[0].NodePort = 0
	must(svcs.Update(ctx, got, metav1.UpdateOptions{}))(t)
	c := service("c", corev1.ServiceTypeNodePort, 80)
	c.Spec.Ports[0].NodePort = port
	if _, err := svcs.Create(ctx, c, metav1.CreateOptions{}); err != nil {
		t.Fatalf("NodePort released by a type change not reusable: %v", err)
	}

	// A Service held by a finalizer keeps its ClusterIP until it is gone.
	held := service("held", corev1.ServiceTypeClusterIP, 80)
	held.Finalizers = []string{"example.com/hold"}
	held = must(svcs.Create(ctx, held, metav1.CreateOptions{}))(t)
	if err := svcs.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := service("wants-held-ip", corev1.ServiceTypeClusterIP, 80)
	want.Spec.ClusterIP = held.Spec.ClusterIP
	if _, err := svcs.Create(ctx, want, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("the IP of a Service still being deleted was given away: %v", err)
	}
	must(svcs.Patch(ctx, "held", types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{}))(t)
	if _, err := svcs.Get(ctx, "held", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("service without finalizers still there: %v", err)
	}
	if _, err := svcs.Create(ctx, want, metav1.CreateOptions{}); err != nil {
		t.Fatalf("the IP of a Service deleted after its finalizers is not free: %v", err)
	}

	// Headless and ExternalName Services take no ClusterIP.
	h := service("headless", corev1.ServiceTypeClusterIP, 80)
	h.Spec.ClusterIP = corev1.ClusterIPNone
	if hs := must(svcs.Create(ctx, h, metav1.CreateOptions{}))(t); hs.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Fatalf("headless service clusterIP %q", hs.Spec.ClusterIP)
	}
	e := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com"}}
	if es := must(svcs.Create(ctx, e, metav1.CreateOptions{}))(t); es.Spec.ClusterIP != "" {
		t.Fatalf("ExternalName service clusterIP %q", es.Spec.ClusterIP)
	}
}

func TestKubernetesService(t *testing.T) {
	ctx := ctxT(t)
	svc := must(client.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{}))(t)
	if svc.Spec.ClusterIP != "10.96.0.1" || svc.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Fatalf("kubernetes service: %s %s", svc.Spec.Type, svc.Spec.ClusterIP)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "https" || svc.Spec.Ports[0].Port != 443 {
		t.Fatalf("kubernetes service ports: %+v", svc.Spec.Ports)
	}
	ep := must(client.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{}))(t)
	if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 1 || len(ep.Subsets[0].Ports) != 1 {
		t.Fatalf("kubernetes endpoints: %+v", ep.Subsets)
	}
	addr := net.JoinHostPort(ep.Subsets[0].Addresses[0].IP, strconv.Itoa(int(ep.Subsets[0].Ports[0].Port)))
	if "https://"+addr != server.URL() || ep.Subsets[0].Ports[0].Port != int32(server.Port()) {
		t.Fatalf("kubernetes endpoints point at %s, the server is at %s", addr, server.URL())
	}
	if int(svc.Spec.Ports[0].TargetPort.IntVal) != server.Port() {
		t.Fatalf("kubernetes service targetPort %v, server port %d", svc.Spec.Ports[0].TargetPort, server.Port())
	}
	// The endpoints really are the apiserver: its /version answers through them.
	r := doRaw(t, "GET", "/version", nil)
	if r.Code != 200 {
		t.Fatalf("/version: %d", r.Code)
	}
	// Its ClusterIP is held: nobody else can have it.
	other := service("wants-10-96-0-1", corev1.ServiceTypeClusterIP, 80)
	other.Spec.ClusterIP = "10.96.0.1"
	ns := newNamespace(t)
	if _, err := client.CoreV1().Services(ns).Create(ctx, other, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("another service with 10.96.0.1: %v, want 422", err)
	}
	// The EndpointSlice mirrors it.
	slice := must(client.DiscoveryV1().EndpointSlices("default").Get(ctx, "kubernetes", metav1.GetOptions{}))(t)
	if len(slice.Endpoints) != 1 || slice.Endpoints[0].Addresses[0] != ep.Subsets[0].Addresses[0].IP || *slice.Ports[0].Port != ep.Subsets[0].Ports[0].Port {
		t.Fatalf("kubernetes endpointslice: %+v", slice)
	}
}
