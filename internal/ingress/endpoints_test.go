package ingress

import (
	"crypto/tls"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestResolve: a backend's endpoints are the ready addresses of the
// slices' port carrying the Service port's name, found by port number or
// name, deduplicated and sorted; a missing Service or port has none.
func TestResolve(t *testing.T) {
	objs := newObjects()
	objs.services["ns/web"] = &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP},
			{Name: "admin", Port: 9000, Protocol: corev1.ProtocolTCP},
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
		}},
	}
	s1 := slice("ns", "web", "http", 8080, "10.0.0.2", "10.0.0.1", "10.0.0.3")
	s1.Endpoints[2].Conditions.Ready = ptr(false) // 10.0.0.3 not ready
	s1.Endpoints[1].Conditions.Ready = ptr(true)
	s1.Ports = append(s1.Ports, discoveryv1.EndpointPort{Name: ptr("admin"), Port: ptr(int32(9090))})
	s2 := slice("ns", "web", "http", 8080, "10.0.0.2", "10.0.1.1") // 10.0.0.2 again, mid-move
	fqdn := slice("ns", "web", "http", 8080, "ignored.example")
	fqdn.AddressType = discoveryv1.AddressTypeFQDN
	objs.slices["ns/web"] = []*discoveryv1.EndpointSlice{s1, s2, fqdn}
	objs.services["ns/ext"] = &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ext"},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.test", Ports: []corev1.ServicePort{{Port: 443}}},
	}
	byNumber := func(svc string, n int32) *networkingv1.IngressServiceBackend {
		return &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Number: n}}
	}
	byName := func(svc, name string) *networkingv1.IngressServiceBackend {
		return &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Name: name}}
	}
	cases := []struct {
		name    string
		sb      *networkingv1.IngressServiceBackend
		want    []string
		problem string
	}{
		{"by number", byNumber("web", 80), []string{"10.0.0.1:8080", "10.0.0.2:8080", "10.0.1.1:8080"}, ""},
		{"by name", byName("web", "admin"), []string{"10.0.0.1:9090", "10.0.0.2:9090"}, ""},
		{"UDP port is not served", byName("web", "dns"), nil, "service has no such port"},
		{"no such port", byNumber("web", 81), nil, "service has no such port"},
		{"no such service", byNumber("nope", 80), nil, "service not found"},
		{"external name", byNumber("ext", 443), []string{"example.test:443"}, ""},
	}
	for _, tc := range cases {
		b := resolve("ns", tc.sb, objs)
		if !reflect.DeepEqual(b.Endpoints, tc.want) || b.Problem != tc.problem {
			t.Errorf("%s: endpoints %v problem %q, want %v %q", tc.name, b.Endpoints, b.Problem, tc.want, tc.problem)
		}
	}
}

// TestPickRoundRobin: every endpoint gets its turn in order.
func TestPickRoundRobin(t *testing.T) {
	b := &Backend{Endpoints: []string{"a", "b", "c"}}
	var got []string
	for range 6 {
		ep, ok := b.Pick()
		if !ok {
			t.Fatal("no endpoint")
		}
		got = append(got, ep)
	}
	if want := []string{"a", "b", "c", "a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("picked %v, want %v", got, want)
	}
	if _, ok := (&Backend{}).Pick(); ok {
		t.Error("a backend without endpoints picked one")
	}
}

// TestTLSHosts: certificates by exact host and by one-label wildcard from
// the Ingress's namespace; the oldest Ingress wins a host; a missing
// Secret leaves the host on the default certificate (nil here).
func TestTLSHosts(t *testing.T) {
	objs := newObjects()
	objs.addService("ns", "s", 8080, "10.0.0.1")
	a, w, other := &tls.Certificate{}, &tls.Certificate{}, &tls.Certificate{}
	objs.certs["ns/a"], objs.certs["ns/w"], objs.certs["ns/other"] = a, w, other
	objs.certs["elsewhere/missing"] = other // a Secret of another namespace is not visible
	i1 := ing("ns", "one", 0, rule("a.test", path("/", prefix, "s")))
	i1.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"a.test"}, SecretName: "a"}, {Hosts: []string{"*.wild.test"}, SecretName: "w"}}
	i2 := ing("ns", "two", 1, rule("a.test", path("/", prefix, "s")))
	i2.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"a.test", "b.test"}, SecretName: "other"}, {Hosts: []string{"c.test"}, SecretName: "missing"}}
	table := Build(nilIngs(i2, i1), orcaClasses(), objs)
	cases := []struct {
		sni  string
		want *tls.Certificate
	}{
		{"a.test", a}, {"A.TEST", a}, {"b.test", other}, {"x.wild.test", w},
		{"wild.test", nil}, {"y.x.wild.test", nil}, {"c.test", nil}, {"", nil},
	}
	for _, tc := range cases {
		if got := table.Certificate(tc.sni); got != tc.want {
			t.Errorf("SNI %q: certificate %p, want %p", tc.sni, got, tc.want)
		}
	}
}
