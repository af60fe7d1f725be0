// Package dns is the cluster DNS: it answers the cluster domain
// (Services, their endpoints, pods by address, reverse names) from an
// in-memory index fed by informers, as CoreDNS's kubernetes plugin does,
// and forwards every other name to the node's resolvers. It runs in every
// agent, node-local: pods reach it through the kube-dns Service, whose
// internalTrafficPolicy Local sends them to their own node.
package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/miekg/dns"
)

// Handler answers DNS messages: the cluster zone from the index, other
// names through the forwarder.
type Handler struct {
	Index   *Index
	Forward *Forwarder // nil: other names are refused
	Cache   *Cache     // of forwarded answers; nil: none
	// Timeout bounds one forwarded query (all upstream attempts).
	Timeout time.Duration
	Log     *slog.Logger
}

// ServeDNS implements dns.Handler.
func (h *Handler) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	if resp := h.Answer(context.Background(), req, tcp); resp != nil {
		_ = w.WriteMsg(resp)
	}
}

// Answer builds the response to req received over TCP or UDP; nil means
// drop it (a response, not a query).
func (h *Handler) Answer(ctx context.Context, req *dns.Msg, tcp bool) *dns.Msg {
	if req.Response {
		return nil
	}
	if req.Opcode != dns.OpcodeQuery {
		return errorReply(req, dns.RcodeNotImplemented)
	}
	if len(req.Question) != 1 {
		return errorReply(req, dns.RcodeFormatError)
	}
	q := req.Question[0]
	var r reply
	switch {
	case q.Qclass != dns.ClassINET:
		r.forward = true
	case q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR:
		if r = h.Index.Resolve(q.Name, q.Qtype); !r.forward {
			return errorReply(req, dns.RcodeRefused) // no zone transfers
		}
	default:
		r = h.Index.Resolve(q.Name, q.Qtype)
	}
	if r.forward {
		return h.forward(ctx, req, tcp)
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative, m.RecursionAvailable = true, true
	m.Rcode = r.rcode
	m.Answer, m.Ns, m.Extra = r.answer, r.ns, r.extra
	if r.chase != "" {
		m.Answer = append(m.Answer, h.chase(ctx, r.chase, q.Qtype)...)
	}
	shuffleAddresses(m.Answer)
	return fit(req, m, tcp)
}

// forward relays req to the upstreams and their answer to the client.
func (h *Handler) forward(ctx context.Context, req *dns.Msg, tcp bool) *dns.Msg {
	if h.Forward == nil {
		return errorReply(req, dns.RcodeRefused)
	}
	if h.Cache != nil {
		if resp := h.Cache.Get(req); resp != nil {
			return fit(req, resp, tcp)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	resp, err := h.Forward.Exchange(ctx, req, tcp)
	if err != nil {
		h.log().Debug("dns: forward", "name", req.Question[0].Name, "err", err)
		return errorReply(req, dns.RcodeServerFailure)
	}
	if h.Cache != nil {
		h.Cache.Put(req, resp)
	}
	return fit(req, resp, tcp)
}

// chase resolves an ExternalName target upstream; no answer leaves the
// CNAME alone for the client to follow.
func (h *Handler) chase(ctx context.Context, target string, qtype uint16) []dns.RR {
	if h.Forward == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	resp, err := h.Forward.Lookup(ctx, target, qtype)
	if err != nil || resp.Rcode != dns.RcodeSuccess {
		return nil
	}
	return resp.Answer
}

func (h *Handler) timeout() time.Duration {
	if h.Timeout > 0 {
		return h.Timeout
	}
	return 4 * time.Second
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// fit echoes EDNS and, over UDP, truncates to what the client can take
// (512 bytes, or its EDNS buffer size), setting TC so it retries over TCP.
func fit(req, m *dns.Msg, tcp bool) *dns.Msg {
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		if m.IsEdns0() == nil {
			m.SetEdns0(dns.DefaultMsgSize, false)
		}
	}
	if tcp {
		size = dns.MaxMsgSize
	}
	m.Truncate(size)
	m.Compress = true
	return m
}

func errorReply(req *dns.Msg, rcode int) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(req, rcode)
	m.RecursionAvailable = true
	return m
}

// shuffleAddresses permutes the A and AAAA records among their own
// positions, as CoreDNS's loadbalance plugin: clients that take the first
// address spread over a headless Service's endpoints.
func shuffleAddresses(rrs []dns.RR) {
	var idx []int
	for i, rr := range rrs {
		if t := rr.Header().Rrtype; t == dns.TypeA || t == dns.TypeAAAA {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return
	}
	rand.Shuffle(len(idx), func(a, b int) { rrs[idx[a]], rrs[idx[b]] = rrs[idx[b]], rrs[idx[a]] })
}

// Serve answers on addr over UDP and TCP until ctx ends. The sockets are
// bound before it returns, so a taken port is reported at once.
func Serve(ctx context.Context, addr string, h dns.Handler) (udpAddr, tcpAddr net.Addr, err error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, nil, err
	}
	// The TCP socket takes the UDP one's port, so that ":0" gives one port
	// for both.
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return nil, nil, err
	}
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	udp := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: notify}
	tcp := &dns.Server{Listener: ln, Handler: h, NotifyStartedFunc: notify,
		ReadTimeout: 5 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }}
	done := make(chan error, 2)
	for _, s := range []*dns.Server{udp, tcp} {
		go func() {
			err := s.ActivateAndServe()
			if err != nil && !errors.Is(err, net.ErrClosed) {
				slog.Default().Error("dns: serve", "err", err)
			}
			done <- err
		}()
	}
	// Shutdown only stops a started server: wait for both.
	for range 2 {
		select {
		case <-started:
		case err := <-done:
			pc.Close()
			ln.Close()
			return nil, nil, fmt.Errorf("dns server did not start: %w", err)
		}
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = udp.ShutdownContext(sctx)
		_ = tcp.ShutdownContext(sctx)
	}()
	return pc.LocalAddr(), ln.Addr(), nil
}
