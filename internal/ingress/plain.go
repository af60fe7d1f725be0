package ingress

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// plainServer accepts a listener's connections and serves each with a
// session of the forwarder. With tlsConfig set it first completes the TLS
// handshake and hands the connections that chose HTTP/2 to h2.
type plainServer struct {
	h         *Handler
	ln        net.Listener
	tlsConfig *tls.Config
	h2        *connQueue
	proto     string // X-Forwarded-Proto
	log       *slog.Logger

	stopping atomic.Bool
	mu       sync.Mutex
	// conns are the open connections (before TLS, if any), with their
	// session once it started (nil during a TLS handshake).
	conns map[net.Conn]*session
	wg    sync.WaitGroup
}

func newPlainServer(h *Handler, ln net.Listener, cfg *tls.Config, h2 *connQueue, log *slog.Logger) *plainServer {
	p := &plainServer{h: h, ln: ln, tlsConfig: cfg, h2: h2, proto: "http", log: log, conns: map[net.Conn]*session{}}
	if cfg != nil {
		p.proto = "https"
	}
	return p
}

func (p *plainServer) serve() {
	var delay time.Duration
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			if p.stopping.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off as net/http
			// does, up to a second.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			p.log.Error("ingress: accept", "err", err, "retrying in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serveConn(conn)
		}()
	}
}

func (p *plainServer) serveConn(raw net.Conn) {
	if !p.track(raw, nil) {
		return
	}
	defer p.untrack(raw)
	conn := raw
	if p.tlsConfig != nil {
		tc, ok := p.handshake(raw)
		if !ok {
			return
		}
		if tc.ConnectionState().NegotiatedProtocol == "h2" {
			p.h2.push(tc)
			return
		}
		conn = tc
	}
	s := newSession(p.h, conn, p.proto, p.stopping.Load)
	if p.track(raw, s) {
		s.serve()
	}
}

// track records raw's session (nil before it has one); false when the
// server is stopping, and raw is then closed.
func (p *plainServer) track(raw net.Conn, s *session) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping.Load() {
		raw.Close()
		return false
	}
	p.conns[raw] = s
	return true
}

func (p *plainServer) untrack(raw net.Conn) {
	p.mu.Lock()
	delete(p.conns, raw)
	p.mu.Unlock()
}

// handshake completes a TLS handshake within the header timeout, as
// net/http bounds it.
func (p *plainServer) handshake(conn net.Conn) (*tls.Conn, bool) {
	tc := tls.Server(conn, p.tlsConfig)
	conn.SetDeadline(time.Now().Add(readHeaderTimeout)) //nolint:errcheck
	if err := tc.Handshake(); err != nil {
		p.log.Debug("ingress: TLS handshake", "remote", conn.RemoteAddr(), "err", err)
		conn.Close()
		return nil, false
	}
	conn.SetDeadline(time.Time{}) //nolint:errcheck
	return tc, true
}

// shutdown stops accepting, closes idle connections as they become idle,
// and lets requests in flight finish until ctx ends; then it closes the
// rest.
func (p *plainServer) shutdown(ctx context.Context) {
	p.stopping.Store(true)
	p.ln.Close()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		p.closeSessions(false)
		select {
		case <-done:
			return
		case <-ctx.Done():
			p.closeSessions(true)
			<-done
			return
		case <-tick.C:
		}
	}
}

func (p *plainServer) closeSessions(all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for raw, s := range p.conns {
		if all || s == nil || s.idle.Load() {
			raw.Close()
		}
	}
}
