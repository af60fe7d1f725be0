package ingress

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawBackend is a backend under the test's full control: handle answers
// each request read from a connection by writing to it, and returns false
// to close the connection. It counts the connections it accepted.
func rawBackend(t *testing.T, handle func(req *http.Request, conn net.Conn) bool) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	var mu sync.Mutex
	var open []net.Conn
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			mu.Lock()
			open = append(open, conn)
			mu.Unlock()
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil || !handle(req, conn) {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range open {
			c.Close()
		}
	})
	return ln.Addr().String(), &accepted
}

// client is a raw connection to the ingress.
type client struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, conn: conn, br: bufio.NewReader(conn)}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.t.Fatal(err)
	}
}

// read reads one response to a request of method, with its whole body.
func (c *client) read(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("reading the response body: %v", err)
	}
	return resp, string(body)
}

// closed: the ingress closed the connection (nothing more to read).
func (c *client) closed() bool {
	_, err := c.br.ReadByte()
	return err == io.EOF
}

// TestForwardErrors: the ingress's own answers. A request it cannot read
// is refused and the connection closed; a request it read but cannot
// route or forward is answered on a connection that stays open.
func TestForwardErrors(t *testing.T) {
	good := backend(t, "good")
	dead := httptest.NewServer(http.NotFoundHandler())
	deadAddr := hostPort(dead)
	dead.Close()
	// A backend that takes the request and closes without answering.
	breaks, _ := rawBackend(t, func(*http.Request, net.Conn) bool { return false })

	goodAddr, _, _ := serving(t, oneBackend(hostPort(good)))
	noRoute, _, _ := serving(t, &Table{})
	noEndpoints, _, _ := serving(t, oneBackend())
	unreachable, _, _ := serving(t, oneBackend(deadAddr))
	broken, _, _ := serving(t, oneBackend(breaks))

	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct {
		name, addr, req string
		code            int
		body            string
		keep            bool
	}{
		{"no rule", noRoute, get, 404, "default backend - 404\n", true},
		{"no endpoints", noEndpoints, get, 503, "503 Service Temporarily Unavailable: no ready endpoints for ns/s:80\n", true},
		{"unreachable", unreachable, get, 502, "502 Bad Gateway\n", true},
		{"no response head", broken, get, 502, "502 Bad Gateway\n", true},
		{"malformed", goodAddr, "GET /\r\n\r\n", 400, "", false},
		{"no Host", goodAddr, "GET / HTTP/1.1\r\n\r\n", 400, "", false},
		{"length and chunked", goodAddr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "", false},
		{"differing lengths", goodAddr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "", false},
		{"unsupported coding", goodAddr, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "", false},
		{"HTTP/2 line", goodAddr, "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "", false},
		{"headers too large", goodAddr, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", maxHeadLength) + "\r\n\r\n", 431, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, tc.addr)
			// A big request may not be read whole before the answer.
			go io.WriteString(c.conn, tc.req)
			resp, body := c.read("GET")
			if resp.StatusCode != tc.code || (tc.body != "" && body != tc.body) {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, body, tc.code, tc.body)
			}
			if _, err := http.ParseTime(resp.Header.Get("Date")); err != nil || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("header %v: want a Date and a plain text Content-Type", resp.Header)
			}
			if !tc.keep {
				if !resp.Close || !c.closed() {
					t.Errorf("the connection stays open (Connection: close said: %v)", resp.Close)
				}
				return
			}
			c.send(get)
			if resp, _ := c.read("GET"); resp.StatusCode != tc.code {
				t.Errorf("second request on the connection: %d, want %d", resp.StatusCode, tc.code)
			}
		})
	}
}

// TestForwardChunked: a chunked request body goes up and a chunked
// response with trailers comes down, as they are.
func TestForwardChunked(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Trailer", "X-Sum")
		fmt.Fprintf(w, "got %q te=%v", b, r.TransferEncoding)
		w.(http.Flusher).Flush()
		io.WriteString(w, " more")
		w.Header().Set("X-Sum", "42")
	}))
	defer be.Close()
	addr, _, _ := serving(t, oneBackend(hostPort(be)))
	c := dial(t, addr)
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext\r\nde\r\n0\r\n\r\n")
	resp, body := c.read("POST")
	if body != `got "abcde" te=[chunked] more` {
		t.Errorf("body %q", body)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || resp.Trailer.Get("X-Sum") != "42" {
		t.Errorf("response framing %v, trailer %v: want chunked with X-Sum 42", resp.TransferEncoding, resp.Trailer)
	}
}

// TestForwardHead: a HEAD response has no body, whatever its length says,
// and the next request follows on the same connection.
func TestForwardHead(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "11")
		io.WriteString(w, "hello world")
	}))
	defer be.Close()
	addr, _, _ := serving(t, oneBackend(hostPort(be)))
	c := dial(t, addr)
	c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.read("HEAD")
	if resp.StatusCode != 200 || resp.ContentLength != 11 || body != "" {
		t.Errorf("HEAD: %d length %d body %q", resp.StatusCode, resp.ContentLength, body)
	}
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := c.read("GET"); body != "hello world" {
		t.Errorf("GET after HEAD: %q", body)
	}
}

// TestForward100Continue: the backend's 100 Continue reaches a client
// that waits for it before sending its body.
func TestForward100Continue(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %q", b)
	}))
	defer be.Close()
	addr, _, _ := serving(t, oneBackend(hostPort(be)))
	c := dial(t, addr)
	c.send("PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	line, err := c.br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line %q %v, want 100 Continue", line, err)
	}
	if end, _ := c.br.ReadString('\n'); end != "\r\n" {
		t.Fatalf("100 Continue followed by %q", end)
	}
	c.send("hello")
	if resp, body := c.read("PUT"); resp.StatusCode != 200 || body != `got "hello"` {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
}

// TestForwardCloseDelimited: a response without a length is read until
// the backend closes, and then the client's connection closes too. A
// response cut short of its length closes the client's connection.
func TestForwardCloseDelimited(t *testing.T) {
	be, _ := rawBackend(t, func(r *http.Request, conn net.Conn) bool {
		switch r.URL.Path {
		case "/short":
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
		default:
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall until close")
		}
		return false
	})
	addr, _, _ := serving(t, oneBackend(be))
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.read("GET")
	if body != "all until close" || !resp.Close || !c.closed() {
		t.Errorf("body %q, Connection: close %v: want the whole body and the connection closed", body, resp.Close)
	}

	c = dial(t, addr)
	c.send("GET /short HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(resp.Body); err != io.ErrUnexpectedEOF || string(b) != "half" {
		t.Errorf("short body: %q %v, want %q cut short", b, err, "half")
	}
}

// TestForwardPipelined: requests sent together on one connection are
// answered in order.
func TestForwardPipelined(t *testing.T) {
	addr, _, _ := serving(t, oneBackend(hostPort(backend(t, "a"))))
	c := dial(t, addr)
	c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []string{"a /1 ", "a /2 ", "a /3 "} {
		if _, body := c.read("GET"); !strings.HasPrefix(body, want) {
			t.Errorf("got %q, want %q...", body, want)
		}
	}
}

// TestForwardHTTP10: an HTTP/1.0 request is answered and the connection
// closed, unless it asks for keep-alive.
func TestForwardHTTP10(t *testing.T) {
	addr, _, _ := serving(t, oneBackend(hostPort(backend(t, "a"))))
	c := dial(t, addr)
	c.send("GET /old HTTP/1.0\r\n\r\n")
	if _, body := c.read("GET"); !strings.HasPrefix(body, "a /old") || !c.closed() {
		t.Errorf("HTTP/1.0: %q, want an answer and the connection closed", body)
	}
	c = dial(t, addr)
	for range 2 {
		c.send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		if resp, body := c.read("GET"); !strings.HasPrefix(body, "a /ka") || resp.Close {
			t.Fatalf("HTTP/1.0 keep-alive: %q close=%v", body, resp.Close)
		}
	}
	c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp, _ := c.read("GET"); !resp.Close || !c.closed() {
		t.Error("Connection: close is not honoured")
	}
}

// TestForwardNoReuseAfterEarlyAnswer: a backend that answers before it
// read the request body leaves its connection in an unknown state: the
// client's connection closes after the answer, and the next request goes
// over a new backend connection.
func TestForwardNoReuseAfterEarlyAnswer(t *testing.T) {
	be, accepted := rawBackend(t, func(r *http.Request, conn net.Conn) bool {
		if r.URL.Path == "/upload" {
			io.WriteString(conn, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\n\r\n")
			return true // and read on: the rest of the body would be taken for a request
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return true
	})
	addr, _, _ := serving(t, oneBackend(be))
	c := dial(t, addr)
	c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 10000))
	if resp, _ := c.read("POST"); resp.StatusCode != 413 || !resp.Close {
		t.Fatalf("early answer: %d close=%v, want 413 and the connection closed", resp.StatusCode, resp.Close)
	}
	c = dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := c.read("GET"); body != "ok" {
		t.Fatalf("next request: %q", body)
	}
	if n := accepted.Load(); n != 2 {
		t.Errorf("the backend accepted %d connections, want 2 (the one answered early is not reused)", n)
	}
}

// TestForwardReuse: complete exchanges of every framing leave the backend
// connection for the next request.
func TestForwardReuse(t *testing.T) {
	be, accepted := rawBackend(t, func(r *http.Request, conn net.Conn) bool {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/chunked":
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
		case "/none":
			io.WriteString(conn, "HTTP/1.1 204 No Content\r\n\r\n")
		default:
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
		return true
	})
	addr, _, _ := serving(t, oneBackend(be))
	c := dial(t, addr)
	for _, req := range []string{
		"GET /length HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /none HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /length HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
		"POST /length HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n" + strings.Repeat("y", 20000),
	} {
		c.send(req)
		if resp, _ := c.read("GET"); resp.StatusCode/100 != 2 {
			t.Fatalf("%q: %d", req[:20], resp.StatusCode)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("the backend accepted %d connections, want 1", n)
	}
}

// TestPlainShutdown: stopping the listeners closes idle connections at
// once and lets a request in flight finish, its connection closing after.
func TestPlainShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "done")
	}))
	defer slow.Close()
	h := NewHandler(nil)
	h.Swap(oneBackend(hostPort(slow)))
	l, err := Listen("127.0.0.1:0", "", h, nil, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { l.Serve(ctx); close(stopped) }()
	addr := l.Addrs()[0].String()

	idle := dial(t, addr)
	idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	idle.read("GET")
	busy := dial(t, addr)
	busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	cancel()
	if !idle.closed() {
		t.Error("the idle connection stays open after shutdown began")
	}
	close(release)
	resp, body := busy.read("GET")
	if body != "done" || !resp.Close {
		t.Errorf("in-flight request: %q close=%v, want it finished with Connection: close", body, resp.Close)
	}
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("the listener still accepts")
	}
}

// TestForwardClientGoneMidBody: a client that goes away in the middle of
// its request body makes the ingress drop the backend connection, rather
// than leave the backend waiting for the rest.
func TestForwardClientGoneMidBody(t *testing.T) {
	got := make(chan error, 1)
	be, _ := rawBackend(t, func(r *http.Request, conn net.Conn) bool {
		_, err := io.ReadAll(r.Body)
		got <- err
		return false
	})
	addr, _, _ := serving(t, oneBackend(be))
	c := dial(t, addr)
	c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 10))
	c.conn.Close()
	select {
	case err := <-got:
		if err == nil {
			t.Error("the backend read a whole body")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the backend still waits for the body")
	}
}

// TestForwardReuseSlowUploadEnd: a backend may answer a request whose
// body it read whole before the goroutine that wrote the body's last
// bytes runs again. The exchange still counts as complete: both
// connections stay open.
func TestForwardReuseSlowUploadEnd(t *testing.T) {
	uploadFinishing = func() { time.Sleep(50 * time.Millisecond) }
	t.Cleanup(func() { uploadFinishing = nil })
	be, accepted := rawBackend(t, func(r *http.Request, conn net.Conn) bool {
		io.Copy(io.Discard, r.Body)
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return true
	})
	addr, _, _ := serving(t, oneBackend(be))
	c := dial(t, addr)
	for i := 0; i < 3; i++ {
		c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n")
		if resp, body := c.read("POST"); body != "ok" || resp.Close {
			t.Fatalf("request %d: %q close=%v, want ok and the connection kept", i, body, resp.Close)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("the backend accepted %d connections, want 1", n)
	}
}

// setBackendTimeout shortens both paths' backend read timeout.
func setBackendTimeout(h *Handler, d time.Duration) {
	h.plain.readTimeout = d
	h.proxy.Transport.(balancer).conns.readTimeout = d
}

// TestBackendTimeout: a backend that does not answer within the read
// timeout gets its client a 504, over HTTP/1.1 and HTTP/2, as nginx's
// proxy_read_timeout; one that streams with shorter pauses is not cut.
func TestBackendTimeout(t *testing.T) {
	be, _ := rawBackend(t, func(r *http.Request, conn net.Conn) bool {
		switch r.URL.Path {
		case "/hang":
			time.Sleep(3 * time.Second)
			return false
		case "/stream":
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			for i := 0; i < 8; i++ {
				time.Sleep(100 * time.Millisecond)
				io.WriteString(conn, "1\r\nx\r\n")
			}
			io.WriteString(conn, "0\r\n\r\n")
			return true
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return true
	})
	httpAddr, httpsAddr, h := serving(t, oneBackend(be))
	setBackendTimeout(h, 300*time.Millisecond)

	c := dial(t, httpAddr)
	start := time.Now()
	c.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.read("GET")
	if resp.StatusCode != 504 || !strings.Contains(body, "504 Gateway Timeout") {
		t.Errorf("hanging backend: %d %q, want 504", resp.StatusCode, body)
	}
	if took := time.Since(start); took < 300*time.Millisecond || took > 2*time.Second {
		t.Errorf("504 after %v, want after the 300 ms timeout", took)
	}
	c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("GET"); resp.StatusCode != 200 || body != "xxxxxxxx" {
		t.Errorf("stream with 100 ms pauses over 800 ms: %d %q, want all of it", resp.StatusCode, body)
	}

	h2 := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}}
	res, err := h2.Get("https://" + httpsAddr + "/hang")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.ProtoMajor != 2 || res.StatusCode != 504 {
		t.Errorf("HTTP/2 to a hanging backend: %s %d %q, want HTTP/2 504", res.Proto, res.StatusCode, b)
	}
}
