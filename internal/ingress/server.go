package ingress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Listeners are the ingress's HTTP and HTTPS servers on the node.
type Listeners struct {
	servers []*http.Server
	lns     []net.Listener
	log     *slog.Logger
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
		l.add(newServer(h, nil, log), ln)
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
		l.add(newServer(h, cfg, log), tls.NewListener(ln, cfg))
	}
	return l, nil
}

func newServer(h http.Handler, cfg *tls.Config, log *slog.Logger) *http.Server {
	// With a TLS listener the server negotiates HTTP/2 by ALPN itself.
	return &http.Server{
		Handler:           h,
		TLSConfig:         cfg,
		ReadHeaderTimeout: 60 * time.Second,
		IdleTimeout:       75 * time.Second, // nginx's keepalive_timeout
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

func (l *Listeners) add(s *http.Server, ln net.Listener) {
	l.servers = append(l.servers, s)
	l.lns = append(l.lns, ln)
}

// Addrs are the bound addresses, HTTP first (tests listen on port 0).
func (l *Listeners) Addrs() []net.Addr {
	out := make([]net.Addr, len(l.lns))
	for i, ln := range l.lns {
		out[i] = ln.Addr()
	}
	return out
}

// Serve serves until ctx ends, then stops accepting and lets requests in
// flight finish for up to 10 seconds.
func (l *Listeners) Serve(ctx context.Context) {
	for i, s := range l.servers {
		go func() {
			if err := s.Serve(l.lns[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				l.log.Error("ingress listener", "addr", l.lns[i].Addr(), "err", err)
			}
		}()
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range l.servers {
		s.Shutdown(sctx) //nolint:errcheck // best effort at exit
	}
}

func (l *Listeners) close() {
	for _, ln := range l.lns {
		ln.Close()
	}
}
