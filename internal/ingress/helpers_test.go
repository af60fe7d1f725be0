package ingress

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fakeObjects is an in-memory Objects.
type fakeObjects struct {
	services map[string]*corev1.Service
	slices   map[string][]*discoveryv1.EndpointSlice
	certs    map[string]*tls.Certificate
}

func newObjects() *fakeObjects {
	return &fakeObjects{services: map[string]*corev1.Service{}, slices: map[string][]*discoveryv1.EndpointSlice{}, certs: map[string]*tls.Certificate{}}
}

func (f *fakeObjects) Service(ns, name string) *corev1.Service { return f.services[ns+"/"+name] }
func (f *fakeObjects) EndpointSlices(ns, svc string) []*discoveryv1.EndpointSlice {
	return f.slices[ns+"/"+svc]
}
func (f *fakeObjects) Certificate(ns, name string) *tls.Certificate { return f.certs[ns+"/"+name] }

// addService adds a Service with one TCP port "http" (port 80) and a
// slice with the given ready endpoint IPs on targetPort.
func (f *fakeObjects) addService(ns, name string, targetPort int32, ips ...string) {
	f.services[ns+"/"+name] = &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
	}
	f.slices[ns+"/"+name] = append(f.slices[ns+"/"+name], slice(ns, name, "http", targetPort, ips...))
}

func slice(ns, svc, port string, number int32, ips ...string) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: svc + "-" + fmt.Sprint(len(ips)), Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &port, Port: &number}},
	}
	for _, ip := range ips {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip}})
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func svcBackend(name string) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: 80}}}
}

func path(p string, typ networkingv1.PathType, svc string) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{Path: p, PathType: &typ, Backend: svcBackend(svc)}
}

func rule(host string, paths ...networkingv1.HTTPIngressPath) networkingv1.IngressRule {
	return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}}
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ing is an Ingress of class orca created age seconds after epoch.
func ing(ns, name string, age int, rules ...networkingv1.IngressRule) *networkingv1.Ingress {
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(epoch.Add(time.Duration(age) * time.Second))},
		Spec:       networkingv1.IngressSpec{IngressClassName: ptr("orca"), Rules: rules},
	}
}

func orcaClasses() Classes {
	return OurClasses([]*networkingv1.IngressClass{{
		ObjectMeta: metav1.ObjectMeta{Name: "orca", Annotations: map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}},
		Spec:       networkingv1.IngressClassSpec{Controller: ControllerName},
	}})
}

// routeName is the Service a request routes to, "" for none (404).
func routeName(t *Table, host, path string) string {
	b := t.Route(requestHost(host), path)
	if b == nil {
		return ""
	}
	return b.Service
}

// pemCert is a self-signed certificate for host and its key, in PEM.
func pemCert(t *testing.T, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	cert, _ := testCert(t, host)
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
