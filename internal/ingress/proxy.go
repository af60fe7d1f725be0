package ingress

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
)

// Handler routes each request by the current Table and proxies it to one
// endpoint of the matched backend: HTTP/1.1 requests, plain or over TLS,
// through the forwarder (forward.go); HTTP/2 requests through ServeHTTP,
// an httputil.ReverseProxy. Upgrades (WebSocket) are passed through as a
// two-way byte stream. Streaming responses reach the client as the
// backend writes them: the forwarder passes on every read at once; the
// ReverseProxy flushes responses without a Content-Length (chunked, or
// text/event-stream) immediately and the others through the server's
// write buffer.
type Handler struct {
	table atomic.Pointer[Table]
	// proxy serves the HTTPS listener's HTTP/2 clients (net/http).
	proxy *httputil.ReverseProxy
	// plain are the backend connections of the forwarder (forward.go).
	plain *conns
	log   *slog.Logger
}

// backendKey carries the matched Backend from ServeHTTP to the balancer.
type backendKey struct{}

// NewHandler makes a handler serving an empty table (everything 404)
// until the first Swap.
func NewHandler(log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{log: log, plain: newConns()}
	h.table.Store(&Table{})
	h.proxy = &httputil.ReverseProxy{
		Rewrite:   rewrite,
		Transport: newBalancer(),
		// 0: the proxy flushes streaming responses immediately by itself;
		// flushing every write of the others would cost a syscall each.
		FlushInterval: 0,
		BufferPool:    bufferPool{},
		ErrorHandler:  h.proxyError,
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return h
}

// Swap makes t the table new requests are routed by. Requests in flight
// keep the table (and the backend) they started with.
func (h *Handler) Swap(t *Table) { h.table.Store(t) }

// Table is the current routing table.
func (h *Handler) Table() *Table { return h.table.Load() }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := h.table.Load().Route(requestHost(r.Host), routePath(r.URL.Path))
	if b == nil {
		// What ingress-nginx's default backend answers.
		http.Error(w, "default backend - 404", http.StatusNotFound)
		return
	}
	if len(b.Endpoints) == 0 {
		http.Error(w, "503 Service Temporarily Unavailable: no ready endpoints for "+b.String(), http.StatusServiceUnavailable)
		return
	}
	h.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), backendKey{}, b)))
}

// rewrite makes the request to the backend: same path, query and Host
// (virtual hosts keep working behind the ingress), with the X-Forwarded-*
// headers nginx sets. X-Forwarded-For gets the client appended to what it
// already said; the others are set from this connection. The balancer
// fills in the endpoint.
func rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = "endpoint"
	pr.Out.Host = pr.In.Host
	if prior, ok := pr.In.Header["X-Forwarded-For"]; ok {
		pr.Out.Header["X-Forwarded-For"] = prior
	}
	pr.SetXForwarded()
	if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
		pr.Out.Header["X-Real-Ip"] = []string{ip}
	}
	if addr, ok := pr.In.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(addr.String()); err == nil {
			pr.Out.Header["X-Forwarded-Port"] = []string{port}
		}
	}
}

// proxyError answers 502 when no endpoint could be reached or answered,
// 504 when one timed out, as nginx does. A client that went away gets nothing.
func (h *Handler) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	b, _ := r.Context().Value(backendKey{}).(*Backend)
	h.log.Debug("ingress: backend unreachable", "backend", b, "host", r.Host, "path", r.URL.Path, "err", err)
	code, msg := gatewayError(err)
	http.Error(w, msg, code)
}

// bufferPool reuses the proxy's copy buffers.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
