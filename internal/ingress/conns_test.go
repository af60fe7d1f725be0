package ingress

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConnsKeepAlive: sequential requests reuse one backend connection;
// bodies go up (fixed length and chunked) and come down; HEAD, 204 and a
// response read to the end leave the connection reusable.
func TestConnsKeepAlive(t *testing.T) {
	var mu sync.Mutex
	remotes := map[string]bool{}
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes[r.RemoteAddr] = true
		mu.Unlock()
		switch r.URL.Path {
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "got %q", b)
		default:
			io.WriteString(w, "hello")
		}
	}))
	defer be.Close()
	httpAddr, _, _ := serving(t, oneBackend(hostPort(be)))
	c := &http.Client{Timeout: 5 * time.Second}
	base := "http://" + httpAddr
	for i := range 3 {
		if code, body := get(t, c, base, "x", "/"); code != 200 || body != "hello" {
			t.Fatalf("GET %d: %d %q", i, code, body)
		}
	}
	resp, err := c.Head(base + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD: %v %v", resp, err)
	}
	resp.Body.Close()
	if code, _ := get(t, c, base, "x", "/empty"); code != http.StatusNoContent {
		t.Errorf("GET /empty: %d, want 204", code)
	}
	resp, err = c.Post(base+"/echo", "text/plain", strings.NewReader("fixed"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != `got "fixed"` {
		t.Errorf("POST fixed length: %q", b)
	}
	// A body of unknown length goes up chunked.
	resp, err = c.Post(base+"/echo", "text/plain", io.MultiReader(strings.NewReader("chun"), strings.NewReader("ked")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != `got "chunked"` {
		t.Errorf("POST chunked: %q", b)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(remotes) != 1 {
		t.Errorf("the backend saw %d connections from the ingress, want 1 kept alive: %v", len(remotes), remotes)
	}
}

// TestConnsStaleIdle: a kept-alive connection the backend closed while
// idle (as servers do after their idle timeout) is replaced without
// failing the request.
func TestConnsStaleIdle(t *testing.T) {
	var mu sync.Mutex
	opened := 0
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	be.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	be.Start()
	defer be.Close()
	httpAddr, _, _ := serving(t, oneBackend(hostPort(be)))
	c := &http.Client{Timeout: 5 * time.Second}
	for i := range 3 {
		if code, body := get(t, c, "http://"+httpAddr, "x", "/"); code != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
		// The ingress pooled its connection before answering us; the
		// backend now closes it.
		be.CloseClientConnections()
	}
	mu.Lock()
	defer mu.Unlock()
	if opened != 3 {
		t.Errorf("the backend saw %d connections, want 3 (each stale one replaced)", opened)
	}
}

// TestConnsSweep: idle connections past the idle timeout are closed by
// a later put, also those of an endpoint nobody asks for again.
func TestConnsSweep(t *testing.T) {
	c := newConns()
	mk := func(ep string, idleFor time.Duration) *pconn {
		a, b := net.Pipe()
		t.Cleanup(func() { b.Close() })
		return &pconn{conn: a, endpoint: ep, idleAt: time.Now().Add(-idleFor)}
	}
	gone := mk("10.0.0.9:80", 2*c.idleTimeout)
	c.idle["10.0.0.9:80"] = []*pconn{gone}
	fresh := mk("10.0.0.1:80", 0)
	c.idle["10.0.0.1:80"] = []*pconn{fresh}
	c.put(mk("10.0.0.1:80", 0)) // the first put sweeps
	if _, ok := c.idle["10.0.0.9:80"]; ok {
		t.Error("the gone endpoint's expired connection is still pooled")
	}
	if _, err := gone.conn.Write([]byte("x")); err == nil {
		t.Error("the expired connection is still open")
	}
	if n := len(c.idle["10.0.0.1:80"]); n != 2 {
		t.Errorf("%d fresh connections pooled, want 2", n)
	}
}
