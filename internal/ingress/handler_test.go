package ingress

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// backend is a test HTTP server answering with its name and what it got.
func backend(t *testing.T, name string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s host=%s xff=%s proto=%s xhost=%s", name, r.URL.RequestURI(), r.Host,
			r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Forwarded-Host"))
	}))
	t.Cleanup(s.Close)
	return s
}

func hostPort(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

// serving starts the ingress listeners on loopback for table and returns
// the HTTP and HTTPS addresses and the handler.
func serving(t *testing.T, table *Table) (httpAddr, httpsAddr string, h *Handler) {
	t.Helper()
	h = NewHandler(slog.Default())
	h.Swap(table)
	def, err := DefaultCertificate()
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen("127.0.0.1:0", "127.0.0.1:0", h, def, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	a := l.Addrs()
	return a[0].String(), a[1].String(), h
}

// get sends a GET for host+path to addr (an http:// or https:// base).
func get(t *testing.T, c *http.Client, base, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("X-Forwarded-For", "192.0.2.7")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s%s (Host %s): %v", base, path, host, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// testCert is a self-signed certificate for host, and a pool trusting it.
func testCert(t *testing.T, host string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	cert, err := DefaultCertificate()
	if err != nil {
		t.Fatal(err)
	}
	// Re-sign with the host's name: DefaultCertificate's template, other DNS name.
	tmpl := *cert.Leaf
	tmpl.DNSNames = []string{host}
	tmpl.Subject.CommonName = host
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage |= x509.KeyUsageCertSign
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, cert.Leaf.PublicKey, cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: cert.PrivateKey, Leaf: leaf}, pool
}

// TestHandler: two hosts and two paths reach their backends over HTTP,
// with the X-Forwarded headers; TLS serves each host's certificate by SNI
// and the default one otherwise; no endpoints is 503, no rule 404.
func TestHandler(t *testing.T) {
	a, b := backend(t, "a"), backend(t, "b")
	objs := newObjects()
	objs.addService("ns", "svc-a", 0)
	objs.addService("ns", "svc-b", 0)
	objs.addService("ns", "empty", 0)
	objs.slices["ns/svc-a"] = append(objs.slices["ns/svc-a"], slice("ns", "svc-a", "http", portOf(t, a), "127.0.0.1"))
	objs.slices["ns/svc-b"] = append(objs.slices["ns/svc-b"], slice("ns", "svc-b", "http", portOf(t, b), "127.0.0.1"))
	certA, poolA := testCert(t, "a.test")
	certB, poolB := testCert(t, "b.test")
	objs.certs["ns/tls-a"], objs.certs["ns/tls-b"] = &certA, &certB
	i := ing("ns", "i", 0,
		rule("a.test", path("/", prefix, "svc-a"), path("/b", prefix, "svc-b")),
		rule("b.test", path("/", prefix, "svc-b"), path("/none", exact, "empty")),
	)
	i.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"a.test"}, SecretName: "tls-a"}, {Hosts: []string{"b.test"}, SecretName: "tls-b"}}
	httpAddr, httpsAddr, _ := serving(t, Build(nilIngs(i), orcaClasses(), objs))

	plain := &http.Client{Timeout: 5 * time.Second}
	cases := []struct {
		host, path string
		code       int
		prefix     string
	}{
		{"a.test", "/x?q=1", 200, "a /x?q=1 host=a.test xff=192.0.2.7, 127.0.0.1 proto=http xhost=a.test"},
		{"a.test:80", "/b/c", 200, "b /b/c host=a.test:80"},
		{"b.test", "/", 200, "b / host=b.test"},
		{"b.test", "/none", 503, "503 Service Temporarily Unavailable"},
		{"c.test", "/", 404, "default backend - 404"},
	}
	for _, tc := range cases {
		code, body := get(t, plain, "http://"+httpAddr, tc.host, tc.path)
		if code != tc.code || !strings.HasPrefix(body, tc.prefix) {
			t.Errorf("http %s%s: %d %q, want %d %q...", tc.host, tc.path, code, body, tc.code, tc.prefix)
		}
	}

	for _, tc := range []struct {
		host string
		pool *x509.CertPool
		want string
	}{{"a.test", poolA, "a / host=a.test"}, {"b.test", poolB, "b / host=b.test"}} {
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{ServerName: tc.host, RootCAs: tc.pool}, ForceAttemptHTTP2: true}}
		code, body := get(t, c, "https://"+httpsAddr, tc.host, "/")
		if code != 200 || !strings.HasPrefix(body, tc.want) || !strings.Contains(body, "proto=https") {
			t.Errorf("https %s: %d %q, want 200 %q with proto=https", tc.host, code, body, tc.want)
		}
	}
	// A client offering only HTTP/1.1 is served by the forwarder, also
	// several requests on one connection.
	h1 := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{ServerName: "b.test", RootCAs: poolB, NextProtos: []string{"http/1.1"}}}}
	for _, p := range []string{"/one", "/two"} {
		req, _ := http.NewRequest("GET", "https://"+httpsAddr+p, nil)
		req.Host = "b.test"
		resp, err := h1.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 1 || !strings.HasPrefix(string(body), "b "+p+" host=b.test") || !strings.Contains(string(body), "proto=https") {
			t.Errorf("HTTPS HTTP/1.1 %s: %s %q, want HTTP/1.1 routed to b with proto=https", p, resp.Proto, body)
		}
	}
	// HTTP/2 is offered over TLS, and proxied to the HTTP/1.1 backend.
	h2 := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{ServerName: "a.test", RootCAs: poolA}, ForceAttemptHTTP2: true}}
	req, _ := http.NewRequest("GET", "https://"+httpsAddr+"/b/h2", nil)
	req.Host = "a.test"
	resp, err := h2.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	h2body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || !strings.HasPrefix(string(h2body), "b /b/h2 host=") {
		t.Errorf("HTTP/2 request: %s %q, want HTTP/2.0 routed to b", resp.Proto, h2body)
	}
	// A name without a certificate gets the default one.
	conn, err := tls.Dial("tcp", httpsAddr, &tls.Config{ServerName: "c.test", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	if cn := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "Orca Ingress Default Certificate" {
		t.Errorf("SNI c.test: certificate %q, want the default", cn)
	}
	conn.Close()
}

func portOf(t *testing.T, s *httptest.Server) int32 {
	_, p, err := net.SplitHostPort(hostPort(s))
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	fmt.Sscan(p, &n)
	return n
}

// oneBackend is a table routing every request to the given endpoints.
func oneBackend(endpoints ...string) *Table {
	objs := newObjects()
	objs.services["ns/s"] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}
	t := Build(nilIngs(ing("ns", "i", 0, rule("", path("/", prefix, "s")))), orcaClasses(), objs)
	t.any.prefix[""].Endpoints = endpoints
	return t
}

// TestWebSocket: an Upgrade request is passed through, and the connection
// then carries bytes both ways (the backend echoes them).
func TestWebSocket(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "want an upgrade", http.StatusBadRequest)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		io.Copy(conn, rw) // echo until the client closes
	}))
	defer echo.Close()
	httpAddr, _, _ := serving(t, oneBackend(hostPort(echo)))

	conn, err := net.Dial("tcp", httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, "GET /ws HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade answered %s", resp.Status)
	}
	for _, msg := range []string{"hello\n", "again\n"} {
		fmt.Fprint(conn, msg)
		got, err := br.ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("echo of %q: %q %v", msg, got, err)
		}
	}
}

// TestStreaming: a chunk the backend flushes reaches the client while the
// backend is still writing the response.
func TestStreaming(t *testing.T) {
	release := make(chan struct{})
	stream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "first\n")
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "second\n")
	}))
	defer stream.Close()
	defer close(release)
	httpAddr, _, _ := serving(t, oneBackend(hostPort(stream)))

	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + httpAddr + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk: %q %v (the backend has not finished: it waits for us)", line, err)
	}
}

// TestRetryRefused: an endpoint refusing connections is skipped for a
// GET; the other endpoint answers every request.
func TestRetryRefused(t *testing.T) {
	live := backend(t, "live")
	dead := httptest.NewServer(http.NotFoundHandler())
	deadAddr := hostPort(dead)
	dead.Close()
	httpAddr, _, _ := serving(t, oneBackend(deadAddr, hostPort(live)))
	c := &http.Client{Timeout: 5 * time.Second}
	for range 4 {
		if code, body := get(t, c, "http://"+httpAddr, "x", "/"); code != 200 || !strings.HasPrefix(body, "live") {
			t.Fatalf("got %d %q, want 200 from the live endpoint", code, body)
		}
	}
}

// TestSwapKeepsInFlight: a request in flight when the table changes
// completes on its old backend, while new requests see the new table.
func TestSwapKeepsInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		fmt.Fprint(w, "slow done")
	}))
	defer slow.Close()
	httpAddr, _, h := serving(t, oneBackend(hostPort(slow)))
	c := &http.Client{Timeout: 5 * time.Second}
	type result struct {
		code int
		body string
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.Get("http://" + httpAddr + "/")
		if err != nil {
			done <- result{0, err.Error()}
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, string(body)}
	}()
	<-entered
	h.Swap(&Table{}) // every route gone
	if code, _ := get(t, c, "http://"+httpAddr, "x", "/"); code != 404 {
		t.Errorf("after the swap: %d, want 404", code)
	}
	close(release)
	if r := <-done; r.code != 200 || r.body != "slow done" {
		t.Errorf("in-flight request: %d %q, want 200 %q", r.code, r.body, "slow done")
	}
}
