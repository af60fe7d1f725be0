package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// nodeIngress: the built-in ingress routes two hosts and two paths to two
// Services' pods over HTTP on the node's ingress port (on loopback and on
// the node IP), serves one host's certificate from a kubernetes.io/tls
// Secret by SNI (the default certificate for the other), answers 404 when
// nothing matches, and the Ingress gets the default class and the node's
// address in status.loadBalancer.
func nodeIngress(t *testing.T, n *nodeUp) {
	ctx := context.Background()
	ns := n.namespace(t, "ingress")
	for _, who := range []string{"a", "b"} {
		p := serverPod(ns, "web-"+who)
		p.Labels = map[string]string{"app": "web-" + who}
		p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "WHO", Value: who}}
		n.createPod(t, p)
	}
	// svc-a: one unnamed port 80 → the pod's named port; svc-b: two named ports.
	svcs := []*corev1.Service{
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "svc-a"}, Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web-a"},
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "svc-b"}, Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web-b"},
			Ports: []corev1.ServicePort{
				{Name: "metrics", Port: 9999, TargetPort: intstr.FromInt32(9999)},
				{Name: "web", Port: 8080, TargetPort: intstr.FromInt32(8080)}}}},
	}
	for _, s := range svcs {
		if _, err := n.CS.CoreV1().Services(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create service %s: %v", s.Name, err)
		}
	}
	certPEM, keyPEM, pool := selfSignedCert(t, "a.ingress.test")
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "a-tls"}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM}}
	if _, err := n.CS.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	prefix, exact := networkingv1.PathTypePrefix, networkingv1.PathTypeExact
	toA := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "svc-a", Port: networkingv1.ServiceBackendPort{Number: 80}}}
	toB := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "svc-b", Port: networkingv1.ServiceBackendPort{Name: "web"}}}
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: networkingv1.IngressSpec{ // no class: the default class "orca" is filled in
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"a.ingress.test"}, SecretName: "a-tls"}},
			Rules: []networkingv1.IngressRule{
				{Host: "a.ingress.test", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{
					{Path: "/", PathType: &prefix, Backend: toA},
					{Path: "/env", PathType: &prefix, Backend: toB},
				}}}},
				{Host: "b.ingress.test", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{
					{Path: "/", PathType: &exact, Backend: toB},
				}}}},
			},
		},
	}
	created, err := n.CS.NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := created.Spec.IngressClassName; c == nil || *c != "orca" {
		t.Errorf("ingressClassName %v, want the default class orca", c)
	}
	for _, who := range []string{"a", "b"} {
		n.waitPod(t, ns, "web-"+who, "Running and Ready", 60*time.Second, runningReady)
	}

	nodeIP := n.nodeInternalIP(t)
	httpPort, httpsPort := strconv.Itoa(n.IngressHTTPPort), strconv.Itoa(n.IngressHTTPSPort)
	loop, onNode := net.JoinHostPort("127.0.0.1", httpPort), net.JoinHostPort(nodeIP, httpPort)
	// The first request waits for the EndpointSlices and the ingress's table.
	waitIngress(t, ingressClient(nil), "http://"+loop, "a.ingress.test", "/", 200, "web-a\n", 60*time.Second)
	cases := []struct {
		addr, host, path string
		code             int
		body             string
	}{
		{loop, "a.ingress.test", "/", 200, "web-a\n"},
		{onNode, "a.ingress.test", "/", 200, "web-a\n"},
		{loop, "a.ingress.test", "/env/WHO", 200, "b\n"}, // the longer prefix: svc-b
		{onNode, "b.ingress.test", "/", 200, "web-b\n"},
		{loop, "b.ingress.test", "/env/WHO", 404, "default backend - 404\n"}, // Exact "/" only
		{loop, "c.ingress.test", "/", 404, "default backend - 404\n"},
	}
	for _, tc := range cases {
		waitIngress(t, ingressClient(nil), "http://"+tc.addr, tc.host, tc.path, tc.code, tc.body, 10*time.Second)
	}

	// HTTPS: a.ingress.test's own certificate (verified), the default one for b.
	tlsAddr := "https://" + net.JoinHostPort("127.0.0.1", httpsPort)
	waitIngress(t, ingressClient(&tls.Config{ServerName: "a.ingress.test", RootCAs: pool}), tlsAddr, "a.ingress.test", "/env/WHO", 200, "b\n", 30*time.Second)
	waitIngress(t, ingressClient(&tls.Config{ServerName: "b.ingress.test", InsecureSkipVerify: true}), tlsAddr, "b.ingress.test", "/", 200, "web-b\n", 10*time.Second)
	conn, err := tls.Dial("tcp", net.JoinHostPort(nodeIP, httpsPort), &tls.Config{ServerName: "b.ingress.test", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	if cn := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "Orca Ingress Default Certificate" {
		t.Errorf("b.ingress.test has no certificate of its own: served %q, want the default certificate", cn)
	}
	conn.Close()

	// status.loadBalancer: the node's address.
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := n.CS.NetworkingV1().Ingresses(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		lb := got.Status.LoadBalancer.Ingress
		if len(lb) == 1 && lb[0].IP == nodeIP {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status.loadBalancer.ingress %+v, want [{IP: %s}]", lb, nodeIP)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// nodeInternalIP is the node's InternalIP address.
func (n *nodeUp) nodeInternalIP(t *testing.T) string {
	t.Helper()
	node, err := n.CS.CoreV1().Nodes().Get(context.Background(), n.Node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	t.Fatalf("node %s has no InternalIP: %v", n.Node, node.Status.Addresses)
	return ""
}

// ingressClient is a client for requests to the ingress (over TLS with
// cfg when given), never through a proxy.
func ingressClient(cfg *tls.Config) *http.Client {
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, Proxy: nil, DisableKeepAlives: true}}
}

// waitIngress polls GET base+path with Host host until it answers code
// with body.
func waitIngress(t *testing.T, c *http.Client, base, host, path string, code int, body string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		req, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := c.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			if resp.StatusCode == code && string(b) == body {
				return
			}
			last = fmt.Sprintf("%d %q", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s%s (Host %s): want %d %q within %s; last: %s", base, path, host, code, body, timeout, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// selfSignedCert makes a certificate for host in PEM, and a pool trusting it.
func selfSignedCert(t *testing.T, host string) (certPEM, keyPEM []byte, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(leaf)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), pool
}
