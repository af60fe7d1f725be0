package ingress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listeners are the ingress's HTTP and HTTPS servers on the node. The
// ingress's own HTTP/1.1 forwarder (forward.go) serves the plain HTTP
// listener, and the HTTPS connections that negotiate HTTP/1.1 (or
// nothing) by ALPN; net/http serves those that negotiate HTTP/2.
type Listeners struct {
	plain, secure *plainServer
	// h2 serves the HTTPS connections that chose HTTP/2, which secure
	// hands over through h2ln.
	h2   *http.Server
	h2ln *connQueue
	log  *slog.Logger
}

// Listen binds the HTTP and HTTPS addresses (an empty address disables
// that listener) for h; the HTTPS side serves def to clients whose server
// name has no Ingress certificate.
func Listen(httpAddr, httpsAddr string, h *Handler, def *tls.Certificate, log *slog.Logger) (*Listeners, error) {
	l := &Listeners{log: log}
	if httpAddr != "" {
		ln, err := net.Listen("tcp", httpAddr)
		if err != nil {
			return nil, fmt.Errorf("ingress HTTP listener: %w", err)
		}
		l.plain = newPlainServer(h, ln, nil, nil, log)
	}
	if httpsAddr != "" {
		ln, err := net.Listen("tcp", httpsAddr)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("ingress HTTPS listener: %w", err)
		}
		cfg := h.serverTLS(def)
		// Offer HTTP/2 and HTTP/1.1, as nginx does.
		cfg.NextProtos = []string{"h2", "http/1.1"}
		l.h2 = newServer(h, cfg, log)
		l.h2ln = newConnQueue(ln.Addr())
		l.secure = newPlainServer(h, ln, cfg, l.h2ln, log)
	}
	return l, nil
}

func newServer(h http.Handler, cfg *tls.Config, log *slog.Logger) *http.Server {
	// Given TLS connections that negotiated "h2", the server speaks
	// HTTP/2 on them by itself.
	return &http.Server{
		Handler:           h,
		TLSConfig:         cfg,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// Addrs are the bound addresses, HTTP first (tests listen on port 0).
func (l *Listeners) Addrs() []net.Addr {
	var out []net.Addr
	for _, p := range []*plainServer{l.plain, l.secure} {
		if p != nil {
			out = append(out, p.ln.Addr())
		}
	}
	return out
}

// Serve serves until ctx ends, then stops accepting and lets requests in
// flight finish for up to 10 seconds.
func (l *Listeners) Serve(ctx context.Context) {
	for _, p := range []*plainServer{l.plain, l.secure} {
		if p != nil {
			go p.serve()
		}
	}
	if l.h2 != nil {
		go func() {
			if err := l.h2.Serve(l.h2ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				l.log.Error("ingress HTTP/2 server", "err", err)
			}
		}()
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range []*plainServer{l.plain, l.secure} {
		if p != nil {
			wg.Go(func() { p.shutdown(sctx) })
		}
	}
	if l.h2 != nil {
		wg.Go(func() { l.h2.Shutdown(sctx) }) //nolint:errcheck // best effort at exit
	}
	wg.Wait()
}

func (l *Listeners) close() {
	if l.plain != nil {
		l.plain.ln.Close()
	}
}
