package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// proxyHealthTimeout is kube-proxy's: twice its 30 s sync period. A
// change waiting longer than this to be synced makes the proxy unhealthy.
const proxyHealthTimeout = 60 * time.Second

// healthz serves kube-proxy's health endpoints (--proxy-healthz-bind-address,
// 0.0.0.0:10256): /livez says whether the proxy keeps its rules up to date
// (it synced once, and no change has waited proxyHealthTimeout); /healthz
// also says whether the node should get traffic, which a node being
// deleted or marked for deletion by the cluster autoscaler should not. A
// cloud load balancer asks /healthz of every node for Services with
// externalTrafficPolicy Cluster.
type healthz struct {
	fresh    func() (lastOK, waiting time.Time)
	eligible func() bool
	now      func() time.Time
}

func (h *healthz) healthy(now time.Time) (bool, time.Time) {
	lastOK, waiting := h.fresh()
	return !lastOK.IsZero() && (waiting.IsZero() || now.Sub(waiting) < proxyHealthTimeout), lastOK
}

func (h *healthz) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		now := h.now()
		ok, last := h.healthy(now)
		eligible := h.eligible()
		h.reply(w, ok && eligible, fmt.Sprintf(`{"lastUpdated": %q,"currentTime": %q, "nodeEligible": %v}`, stamp(last), stamp(now), eligible))
	})
	mux.HandleFunc("/livez", func(w http.ResponseWriter, _ *http.Request) {
		now := h.now()
		ok, last := h.healthy(now)
		h.reply(w, ok, fmt.Sprintf(`{"lastUpdated": %q,"currentTime": %q}`, stamp(last), stamp(now)))
	})
	return mux
}

func (h *healthz) reply(w http.ResponseWriter, ok bool, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	fmt.Fprint(w, body)
}

func stamp(t time.Time) string { return t.Round(0).String() }

// serveHealthz serves h on addr until ctx ends; a port that cannot be had
// is logged, not fatal (the proxy works without it).
func serveHealthz(ctx context.Context, addr string, h *healthz, log *slog.Logger) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("service proxy: health endpoint not served", "addr", addr, "err", err)
		return
	}
	srv := &http.Server{Handler: h.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	srv.Serve(ln) //nolint:errcheck // ends when closed
}
