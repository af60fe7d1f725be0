package proxy

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// freePort is a loopback TCP port nothing listens on.
func freePort(t *testing.T) int32 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return int32(ln.Addr().(*net.TCPAddr).Port)
}

// healthCheck asks port as a load balancer would.
func healthCheck(t *testing.T, port int32) (int, healthReply, http.Header, error) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + itoa(port) + "/")
	if err != nil {
		return 0, healthReply{}, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r healthReply
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("health check body %q: %v", body, err)
	}
	return resp.StatusCode, r, resp.Header, nil
}

// A LoadBalancer Service with externalTrafficPolicy Local gets its
// healthCheckNodePort served: 200 while this node has a ready endpoint,
// 503 when it has none or the proxy's last sync failed; the port closes
// when the Service no longer needs it.
func TestServiceHealthCheckNodePort(t *testing.T) {
	port := freePort(t)
	src := newStaticSource()
	var unhealthy atomic.Bool
	h := newServiceHealth(src, "node-a", func() bool { return !unhealthy.Load() }, slog.New(slog.DiscardHandler))
	h.listen = func(p int32) (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:"+itoa(p)) }
	defer h.close(t.Context())

	lb := func(mods ...func(*v1.Service)) *v1.Service {
		return svc("web", "lb", "10.96.0.21", append([]func(*v1.Service){loadBalancer(30081, "192.0.2.2"), externalLocal,
			func(s *v1.Service) { s.Spec.HealthCheckNodePort = port }}, mods...)...)
	}
	key := src.set(lb(), slice(lb(), "lb-1", 8080, "10.244.0.8@node-a", "10.244.0.9@node-a", "10.244.0.10@node-a!", "10.244.1.9@node-b"))
	h.changed(key)
	code, r, hdr, err := healthCheck(t, port)
	if err != nil || code != 200 || r.LocalEndpoints != 2 || !r.ServiceProxyHealthy || r.Service.Namespace != "web" || r.Service.Name != "lb" {
		t.Fatalf("two local ready endpoints: %d %+v %v, want 200, localEndpoints 2", code, r, err)
	}
	if hdr.Get("Content-Type") != "application/json" || hdr.Get("X-Load-Balancing-Endpoint-Weight") != "2" {
		t.Errorf("headers %v, want JSON and endpoint weight 2", hdr)
	}

	unhealthy.Store(true)
	if code, r, _, _ := healthCheck(t, port); code != 503 || r.ServiceProxyHealthy {
		t.Errorf("proxy unhealthy: %d %+v, want 503", code, r)
	}
	unhealthy.Store(false)
	src.set(lb(), slice(lb(), "lb-1", 8080, "10.244.0.10@node-a!", "10.244.1.9@node-b"))
	h.changed(key)
	if code, r, _, _ := healthCheck(t, port); code != 503 || r.LocalEndpoints != 0 {
		t.Errorf("no local ready endpoint: %d %+v, want 503, localEndpoints 0", code, r)
	}

	src.set(lb(func(s *v1.Service) { s.Spec.ExternalTrafficPolicy = v1.ServiceExternalTrafficPolicyCluster }))
	h.changed(key)
	if _, _, _, err := healthCheck(t, port); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after externalTrafficPolicy Cluster: %v, want the port closed", err)
	}
	src.set(lb())
	h.changed(key)
	src.remove(key)
	h.changed(key)
	if _, _, _, err := healthCheck(t, port); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after the Service was deleted: %v, want the port closed", err)
	}
}
