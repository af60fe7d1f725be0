package ingress

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The plain HTTP listener's forwarder: each client connection is served
// by one goroutine that reads a request head into a reused buffer, routes
// it, writes the rewritten head to a pooled backend connection, copies
// the body by its framing, then copies the response back the same way.
// Bodies are never decoded. A request body that is not already buffered
// is copied by a second goroutine, so the backend can answer (100
// Continue, or early) while it is still coming.

const (
	// As the net/http server had them: nginx's client_header_timeout and
	// keepalive_timeout.
	readHeaderTimeout = 60 * time.Second
	idleTimeout       = 75 * time.Second
	// Read buffers: a client's (grown for a large head) and a backend
	// connection's; the head to send and the response going out share a
	// scratch buffer taken for the exchange only, so an idle keep-alive
	// connection holds little memory.
	clientBufferSize = 4 << 10
	bufferSize       = 8 << 10
	// A request body up to this size, when already read with its head,
	// goes out in the same write (and can be resent on another connection).
	smallBody = 4 << 10
)

// session is one client connection.
type session struct {
	h      *Handler
	conn   net.Conn
	in     *reader
	out    sink // to the client
	fw     forwardInfo
	req    requestHead
	resp   responseHead
	fields []field // reused by req
	rfield []field // reused by resp
	// idle: waiting for a request (shutdown closes idle connections).
	idle atomic.Bool
	// stopping: the server is shutting down; connections close after
	// their current exchange.
	stopping func() bool
	onStart  func()
	// idleUntil is the idle deadline set last; zero once another was set.
	idleUntil time.Time
}

func newSession(h *Handler, conn net.Conn, proto string, stopping func() bool) *session {
	s := &session{
		h:        h,
		stopping: stopping,
		conn:     conn,
		in:       newReader(conn, clientBufferSize),
		out:      sink{w: conn},
		fw:       newForwardInfo(conn.RemoteAddr(), conn.LocalAddr(), proto),
		fields:   make([]field, 0, 16),
		rfield:   make([]field, 0, 16),
	}
	s.onStart = func() { s.setReadDeadline(time.Now().Add(readHeaderTimeout)) }
	return s
}

// serve serves requests until the connection closes, a request or
// response ends it, or the server stops.
func (s *session) serve() {
	defer s.conn.Close()
	for s.serveOne() && !s.stopping() {
	}
}

// serveOne serves one request; false: close the connection.
func (s *session) serveOne() bool {
	s.idle.Store(true)
	s.waitIdle()
	raw, err := s.in.readHead(maxHeadLength, s.onStart)
	s.idle.Store(false)
	scratch := scratchBuffers.Get().(*[]byte)
	s.out.buf = (*scratch)[:0]
	keep := s.exchange(raw, err)
	if cap(s.out.buf) <= 4*bufferSize {
		*scratch = s.out.buf[:0]
	}
	scratchBuffers.Put(scratch)
	s.out.buf = nil
	return keep
}

// waitIdle sets the idle timeout for the next request. Setting a deadline
// costs a timer update, so one set less than a second ago is kept: the
// idle timeout is then up to a second shorter.
func (s *session) waitIdle() {
	until := time.Now().Add(idleTimeout)
	if s.idleUntil.IsZero() || until.Sub(s.idleUntil) > time.Second {
		s.conn.SetReadDeadline(until) //nolint:errcheck
		s.idleUntil = until
	}
}

func (s *session) setReadDeadline(t time.Time) {
	s.conn.SetReadDeadline(t) //nolint:errcheck
	s.idleUntil = time.Time{}
}

var scratchBuffers = sync.Pool{New: func() any { b := make([]byte, 0, bufferSize); return &b }}

// exchange serves the request whose head readHead returned.
func (s *session) exchange(raw []byte, err error) bool {
	if err != nil {
		if err == errHeadTooLarge {
			s.refuse(errTooLarge)
		}
		return false
	}
	err = s.req.parse(raw, s.fields)
	s.fields = s.req.fields[:0]
	if err != nil {
		s.refuse(err)
		return false
	}
	body, err := requestFraming(&s.req)
	if err != nil {
		s.refuse(err)
		return false
	}
	path, err := routingPath(s.req.path)
	if err != nil {
		s.refuse(errBadTarget)
		return false
	}
	b := s.h.table.Load().Route(requestHost(string(s.req.host)), path)
	if b == nil {
		// What ingress-nginx's default backend answers.
		return s.answer(404, "default backend - 404", body)
	}
	if len(b.Endpoints) == 0 {
		return s.answer(503, "503 Service Temporarily Unavailable: no ready endpoints for "+b.String(), body)
	}
	if body.kind != bodyNone {
		// A body may take longer than the header timeout to arrive.
		s.setReadDeadline(time.Time{})
	}
	return s.forward(raw, b, body)
}

// routingPath is the request path as routes match it: without the query,
// percent-decoded (as net/http's URL.Path), then normalized.
func routingPath(target []byte) (string, error) {
	p := target
	for i, c := range p {
		if c == '?' {
			p = p[:i]
			break
		}
	}
	for _, c := range p {
		if c == '%' {
			dec, err := url.PathUnescape(string(p))
			if err != nil {
				return "", err
			}
			return routePath(dec), nil
		}
	}
	return routePath(string(p)), nil
}

// refuse answers a request the ingress could not read, and the
// connection closes.
func (s *session) refuse(err error) {
	var he *httpError
	if !errors.As(err, &he) {
		he = errMalformed
	}
	msg := strconv.Itoa(he.code) + " " + http.StatusText(he.code) + ": " + he.msg
	s.out.buf = appendError(s.out.buf[:0], he.code, msg, false)
	s.out.flush() //nolint:errcheck // closing anyway
}

// answer is the ingress's own response to a request it read. A body not
// read along with the head is not waited for: the connection then closes.
func (s *session) answer(code int, msg string, body framing) bool {
	if body.kind == bodyLength && body.n <= smallBody && int64(len(s.in.buffered())) >= body.n {
		s.in.discard(int(body.n))
		body = framing{}
	}
	keep := body.kind == bodyNone && keepClient(&s.req, framing{kind: bodyLength}) && !s.stopping()
	s.out.buf = appendError(s.out.buf[:0], code, msg, keep)
	return s.out.flush() == nil && keep
}

// forward sends the request, whose head was read as raw, to an endpoint
// of b and the response back.
func (s *session) forward(raw []byte, b *Backend, body framing) bool {
	// The head to send is made in the scratch buffer, free again once
	// sent.
	req := appendRequestHead(s.out.buf[:0], &s.req, &s.fw)
	whole := body.kind == bodyNone
	if body.kind == bodyLength && body.n <= smallBody && int64(len(s.in.buffered())) >= body.n {
		req = append(req, s.in.buffered()[:body.n]...)
		s.in.discard(int(body.n))
		whole = true
	}
	pc, err := s.send(b, req, whole, whole && (body.kind == bodyNone || idempotent(s.req.method)))
	s.out.buf = req[:0]
	if err != nil {
		s.h.log.Debug("ingress: backend unreachable", "backend", b, "host", string(s.req.host), "err", err)
		code, msg := gatewayError(err)
		return s.answer(code, msg, framing{kind: s.unread(whole)})
	}
	var up *upload
	if !whole {
		// The parsed head points into the client's read buffer, which
		// the upload refills while the response is relayed (and the head
		// read): the head must own its bytes from here.
		if err := s.req.parse(bytes.Clone(raw), s.fields); err != nil {
			panic("ingress: a request head parsed once does not parse again: " + err.Error())
		}
		s.fields = s.req.fields[:0]
		up = s.upload(pc, body)
	}
	keep, err := s.respond(pc, up)
	if err != nil {
		s.h.log.Debug("ingress: forwarding", "backend", b, "endpoint", pc.endpoint, "host", string(s.req.host), "err", err)
	}
	return keep
}

// unread is bodyNone when the request was read whole (an answer can keep
// the connection), else a body is left unread.
func (s *session) unread(whole bool) bodyKind {
	if whole {
		return bodyNone
	}
	return bodyLength
}

// send connects to an endpoint of b and writes the request head (and a
// small body). A request read whole is tried on up to three endpoints
// when they refuse connections, as nginx's proxy_next_upstream does (the
// backend has then not seen it). For a whole request send also waits for
// the first byte of the response: a kept-alive connection the backend
// closed while idle fails then, and the request is resent on another
// connection when resend allows it (no body, or an idempotent method):
// the backend closed it without answering, so it most likely never
// handled the request.
func (s *session) send(b *Backend, req []byte, whole, resend bool) (*pconn, error) {
	tries := min(maxTries, len(b.Endpoints))
	var last error
	for i := 0; i < tries; {
		ep, ok := b.Pick()
		if !ok {
			return nil, errors.New("no ready endpoints")
		}
		pc, err := s.h.plain.get(context.Background(), ep)
		if err != nil {
			if !whole {
				return nil, err
			}
			last, i = err, i+1
			continue
		}
		if pc.rd == nil {
			pc.rd = newReader(pc.in, bufferSize)
		}
		_, err = pc.conn.Write(req)
		if err == nil && whole {
			err = pc.rd.fill()
		}
		if err == nil {
			return pc, nil
		}
		pc.conn.Close()
		if !pc.reused || !resend {
			return nil, err
		}
		last = err // a stale kept-alive connection: not a try
	}
	return nil, last
}

// idempotent methods (RFC 9110 section 9.2.2) may be sent twice.
func idempotent(method []byte) bool {
	switch string(method) {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// upload copies the rest of the request body to the backend while the
// response is read.
type upload struct {
	done chan struct{}
	err  error
}

func (s *session) upload(pc *pconn, body framing) *upload {
	u := &upload{done: make(chan struct{})}
	go func() {
		defer close(u.done)
		buf := scratchBuffers.Get().(*[]byte)
		dst := sink{w: pc.conn, buf: (*buf)[:0]}
		u.err = copyBody(s.in, &dst, body)
		if u.err == nil {
			u.err = dst.flush()
		}
		if u.err != nil {
			// The backend will not get the whole request: stop waiting
			// for its answer.
			pc.conn.Close()
		}
		scratchBuffers.Put(buf)
		if uploadFinishing != nil {
			uploadFinishing()
		}
	}()
	return u
}

// uploadFinishing, when set by a test, runs between an upload's last
// write and its end: the moment a backend may already have answered.
var uploadFinishing func()

// uploadGrace is how long an answer waits for its request's upload to
// end before the exchange counts as answered early. A backend that read
// the whole body may answer before the goroutine that wrote its last
// bytes has run again, above all on a loaded machine; an early answer
// (413 to a large upload) is delayed by at most this much.
const uploadGrace = 250 * time.Millisecond

// finished: the body went up whole, waiting up to uploadGrace for it.
func (u *upload) finished() bool {
	if u == nil {
		return true
	}
	select {
	case <-u.done:
		return u.err == nil
	default:
	}
	t := time.NewTimer(uploadGrace)
	defer t.Stop()
	select {
	case <-u.done:
		return u.err == nil
	case <-t.C:
		return false
	}
}

// respond reads the backend's response and forwards it. It returns
// whether the client connection stays open.
func (s *session) respond(pc *pconn, up *upload) (bool, error) {
	keepC, keepB, err := s.relay(pc, up)
	if up != nil {
		select {
		case <-up.done:
		default:
			// The backend answered before taking the whole body: neither
			// connection is in a known state. Closing them ends the upload.
			keepC, keepB = false, false
			pc.conn.Close()
			s.setReadDeadline(time.Unix(1, 0))
			<-up.done
		}
		keepB = keepB && up.err == nil
		keepC = keepC && up.err == nil
	}
	// Bytes after the response would be taken for the next one.
	if keepB && len(pc.rd.buffered()) == 0 {
		s.h.plain.put(pc)
	} else {
		pc.conn.Close()
	}
	return keepC, err
}

// relay forwards interim responses and then the final one; keepB: the
// backend connection can be reused as far as the response goes.
func (s *session) relay(pc *pconn, up *upload) (keepC, keepB bool, err error) {
	sent := false // bytes of a response went to the client
	for {
		raw, err := pc.rd.readHead(maxHeadLength, nil)
		if err != nil {
			return s.badGateway(sent, up, err)
		}
		if err := s.resp.parse(raw, s.rfield); err != nil {
			s.rfield = s.resp.fields[:0]
			return s.badGateway(sent, up, err)
		}
		s.rfield = s.resp.fields[:0]
		switch {
		case s.resp.status == 101 && upgrading(&s.req):
			if up != nil {
				// The request's body ends before the protocol switches.
				<-up.done
			}
			s.splice(pc, raw)
			return false, false, nil
		case s.resp.status == 101:
			return s.badGateway(sent, up, errors.New("101 to a request that did not ask to switch protocols"))
		case s.resp.status < 200:
			// 100 Continue, 103 Early Hints: passed on as they are, except
			// to HTTP/1.0 clients, who do not expect them.
			if s.req.minor == 1 {
				if _, err := s.conn.Write(raw); err != nil {
					return false, false, err
				}
				sent = true
			}
			continue
		}
		break
	}
	f, err := responseFraming(string(s.req.method) == "HEAD", &s.resp)
	if err != nil {
		return s.badGateway(sent, up, err)
	}
	// Settled first: whether the body went up decides for both sides.
	uploaded := up.finished()
	keepC = uploaded && keepClient(&s.req, f) && !s.stopping()
	keepB = keepBackend(&s.req, &s.resp, f)
	s.out.buf = appendResponseHead(s.out.buf[:0], &s.resp, keepC, s.req.minor)
	if err := copyBody(pc.rd, &s.out, f); err != nil {
		// The client gets a truncated response: only closing tells it.
		s.out.flush() //nolint:errcheck
		return false, false, err
	}
	if err := s.out.flush(); err != nil {
		return false, keepB, err
	}
	return keepC, keepB, nil
}

// badGateway answers 502 (504 on a timeout) when the backend failed
// before its response began, else the client connection just closes.
func (s *session) badGateway(sent bool, up *upload, err error) (bool, bool, error) {
	if !sent {
		// A request sent whole leaves the client connection in a known
		// state; one whose body was still going up does not.
		keep := up == nil && keepClient(&s.req, framing{kind: bodyLength}) && !s.stopping()
		code, msg := gatewayError(err)
		s.out.buf = appendError(s.out.buf[:0], code, msg, keep)
		if s.out.flush() == nil && keep {
			return true, false, err
		}
	}
	return false, false, err
}

// splice passes the switched protocol (WebSocket) through both ways until
// either side closes.
func (s *session) splice(pc *pconn, head []byte) {
	s.setReadDeadline(time.Time{})
	pc.conn.SetReadDeadline(time.Time{}) //nolint:errcheck // a switched protocol may stay silent
	s.out.buf = append(s.out.buf[:0], head...)
	s.out.buf = append(s.out.buf, pc.rd.buffered()...)
	pc.rd.discard(len(pc.rd.buffered()))
	if s.out.flush() != nil {
		pc.conn.Close()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if b := s.in.buffered(); len(b) > 0 {
			s.in.discard(len(b))
			if _, err := pc.conn.Write(b); err != nil {
				return
			}
		}
		io.Copy(pc.conn, s.conn) //nolint:errcheck
		pc.conn.Close()
		s.conn.Close()
	}()
	io.Copy(s.conn, pc.conn) //nolint:errcheck
	pc.conn.Close()
	s.conn.Close()
	<-done
}
