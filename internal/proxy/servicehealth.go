package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

// serviceHealth answers on the healthCheckNodePort of every LoadBalancer
// Service with externalTrafficPolicy Local, as kube-proxy does: a load
// balancer outside the cluster asks each node whether it has a ready
// endpoint of the Service (200) or not (503), and sends the Service's
// traffic only to the nodes that have one, so the client's address is
// kept without a hop to another node.
type serviceHealth struct {
	src     source
	node    string
	healthy func() bool // the proxy is healthy (as its /livez says)
	listen  func(port int32) (net.Listener, error)
	log     *slog.Logger

	mu     sync.Mutex
	ports  map[int32]*healthPort // open listeners
	byKey  map[string]int32      // the port each Service holds
	closed bool
}

// healthPort is one listener and the Service it answers for.
type healthPort struct {
	key string
	srv *http.Server
	ln  net.Listener
}

// stop closes the port at once (Serve may not have taken the listener
// yet) and the connections Serve has.
func (hp *healthPort) stop() {
	hp.ln.Close()
	hp.srv.Close()
}

func newServiceHealth(src source, node string, healthy func() bool, log *slog.Logger) *serviceHealth {
	return &serviceHealth{
		src: src, node: node, healthy: healthy, log: log,
		listen: func(port int32) (net.Listener, error) { return net.Listen("tcp", ":"+itoa(port)) },
		ports:  map[int32]*healthPort{}, byKey: map[string]int32{},
	}
}

// healthCheckPort is the port a Service's health is served on, 0: none.
func healthCheckPort(svc *v1.Service) int32 {
	if svc == nil || !proxied(svc) || svc.Spec.Type != v1.ServiceTypeLoadBalancer ||
		svc.Spec.ExternalTrafficPolicy != v1.ServiceExternalTrafficPolicyLocal {
		return 0
	}
	return svc.Spec.HealthCheckNodePort
}

// changed opens, moves or closes the listener of the Service key.
func (h *serviceHealth) changed(key string) {
	svc, _ := h.src.service(key)
	want := healthCheckPort(svc)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	if have, ok := h.byKey[key]; ok && have != want {
		if hp := h.ports[have]; hp != nil && hp.key == key {
			hp.stop()
			delete(h.ports, have)
		}
		delete(h.byKey, key)
	}
	if want == 0 {
		return
	}
	if hp := h.ports[want]; hp != nil {
		hp.key = key // a port given to another Service
		h.byKey[key] = want
		return
	}
	ln, err := h.listen(want)
	if err != nil {
		// Retried on the Service's next change; the load balancer sees
		// this node as down meanwhile, which is safe.
		h.log.Warn("service proxy: health check node port", "service", key, "port", want, "err", err)
		return
	}
	hp := &healthPort{key: key, ln: ln}
	hp.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { h.serve(w, hp) }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	h.ports[want], h.byKey[key] = hp, want
	go hp.srv.Serve(ln) //nolint:errcheck // ends when closed
}

// healthReply is kube-proxy's answer, field for field.
type healthReply struct {
	Service struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"service"`
	LocalEndpoints      int  `json:"localEndpoints"`
	ServiceProxyHealthy bool `json:"serviceProxyHealthy"`
}

func (h *serviceHealth) serve(w http.ResponseWriter, hp *healthPort) {
	h.mu.Lock()
	key := hp.key
	h.mu.Unlock()
	var r healthReply
	svc, slices := h.src.service(key)
	if svc != nil {
		r.Service.Namespace, r.Service.Name = svc.Namespace, svc.Name
		r.LocalEndpoints = localReadyEndpoints(svc, slices, h.node)
	}
	r.ServiceProxyHealthy = h.healthy()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Load-Balancing-Endpoint-Weight", strconv.Itoa(r.LocalEndpoints))
	if r.LocalEndpoints == 0 || !r.ServiceProxyHealthy {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(r) //nolint:errcheck
}

// localReadyEndpoints counts the Service's ready endpoints on this node
// (the most any of its ports has).
func localReadyEndpoints(svc *v1.Service, slices []*discovery.EndpointSlice, node string) int {
	n := 0
	for _, sp := range servicePorts(svc) {
		c := 0
		for _, ep := range endpointsFor(sp, slices, node) {
			if ep.local && ep.ready {
				c++
			}
		}
		n = max(n, c)
	}
	return n
}

// close shuts every listener; changed does nothing after it.
func (h *serviceHealth) close(ctx context.Context) {
	h.mu.Lock()
	h.closed = true
	ports := h.ports
	h.ports, h.byKey = map[int32]*healthPort{}, map[string]int32{}
	h.mu.Unlock()
	for _, hp := range ports {
		hp.ln.Close()
		if err := hp.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
			hp.srv.Close()
		}
	}
}
