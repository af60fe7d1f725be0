package ingress

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// conns pools kept-alive connections to endpoints. The plain listener's
// forwarder takes and returns them itself (get, put); for the HTTPS
// listener's ReverseProxy, conns is a lean HTTP/1.1 client (RoundTrip):
// it writes the request and reads the response on the calling goroutine.
// net/http's Transport hands every request to two goroutines per
// connection, which costs the proxy about as much as the rest of its work
// on a loaded node.
type conns struct {
	dialer      net.Dialer
	idleTimeout time.Duration
	// readTimeout: a backend silent this long while a response is
	// awaited or read fails the exchange (504 before the response began).
	readTimeout time.Duration
	maxIdle     int // per endpoint

	mu        sync.Mutex
	idle      map[string][]*pconn
	lastSweep time.Time
}

// pconn is one kept-alive connection to an endpoint. The net/http path
// reads and writes it through br and bw, the plain forwarder through rd;
// each has its own pool, so a connection is only ever used one way.
type pconn struct {
	conn     net.Conn
	in       *timedReader // reads of conn
	br       *bufio.Reader
	bw       *bufio.Writer
	rd       *reader
	endpoint string
	reused   bool
	idleAt   time.Time
}

func newConns() *conns {
	return &conns{
		dialer:      net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
		idleTimeout: 60 * time.Second,
		readTimeout: backendReadTimeout,
		maxIdle:     1024,
		idle:        map[string][]*pconn{},
	}
}

// RoundTrip sends req (already aimed at an endpoint) and returns the
// response; its body hands the connection back when read to the end. A
// reused connection the endpoint closed while idle is replaced once when
// the request has no body.
func (c *conns) RoundTrip(req *http.Request) (*http.Response, error) {
	for {
		pc, err := c.get(req.Context(), req.URL.Host)
		if err != nil {
			return nil, err
		}
		resp, err := pc.roundTrip(c, req)
		if err == nil {
			return resp, nil
		}
		pc.conn.Close()
		if !pc.reused || !noBody(req) || req.Context().Err() != nil || !closedIdle(err) {
			return nil, err
		}
	}
}

func noBody(req *http.Request) bool { return req.Body == nil || req.Body == http.NoBody }

// closedIdle: the endpoint closed the connection before answering, as a
// server does to an idle keep-alive connection.
func closedIdle(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

func (c *conns) get(ctx context.Context, endpoint string) (*pconn, error) {
	now := time.Now()
	c.mu.Lock()
	for list := c.idle[endpoint]; len(list) > 0; list = c.idle[endpoint] {
		pc := list[len(list)-1]
		c.idle[endpoint] = list[:len(list)-1]
		if now.Sub(pc.idleAt) < c.idleTimeout {
			c.mu.Unlock()
			pc.reused = true
			return pc, nil
		}
		pc.conn.Close()
	}
	c.mu.Unlock()
	conn, err := c.dialer.DialContext(ctx, "tcp", endpoint)
	if err != nil {
		return nil, err
	}
	return &pconn{conn: conn, in: &timedReader{conn: conn, timeout: c.readTimeout}, endpoint: endpoint}, nil
}

func (c *conns) put(pc *pconn) {
	now := time.Now()
	pc.idleAt = now
	c.mu.Lock()
	if len(c.idle[pc.endpoint]) < c.maxIdle {
		c.idle[pc.endpoint] = append(c.idle[pc.endpoint], pc)
		pc = nil
	}
	var expired []*pconn
	if now.Sub(c.lastSweep) > c.idleTimeout {
		c.lastSweep = now
		expired = c.sweep(now)
	}
	c.mu.Unlock()
	if pc != nil {
		pc.conn.Close()
	}
	for _, old := range expired {
		old.conn.Close()
	}
}

// sweep takes out the connections idle for longer than the idle timeout,
// also those of endpoints that are gone (no request asks for them again).
func (c *conns) sweep(now time.Time) []*pconn {
	var expired []*pconn
	for ep, list := range c.idle {
		kept := list[:0]
		for _, pc := range list {
			if now.Sub(pc.idleAt) < c.idleTimeout {
				kept = append(kept, pc)
			} else {
				expired = append(expired, pc)
			}
		}
		if len(kept) == 0 {
			delete(c.idle, ep)
		} else {
			c.idle[ep] = kept
		}
	}
	return expired
}

// roundTrip writes the request and reads the response head. Cancelling
// the request's context (the client went away) unblocks the connection by
// expiring its deadline; the connection is then not reused.
func (pc *pconn) roundTrip(c *conns, req *http.Request) (*http.Response, error) {
	if pc.br == nil {
		pc.br, pc.bw = bufio.NewReader(pc.in), bufio.NewWriter(pc.conn)
	}
	stop := context.AfterFunc(req.Context(), pc.in.expire)
	if err := req.Write(pc.bw); err != nil {
		stop()
		return nil, err
	}
	if err := pc.bw.Flush(); err != nil {
		stop()
		return nil, err
	}
	resp, err := readResponse(pc.br, req)
	if err != nil {
		stop()
		return nil, err
	}
	b := &body{rc: resp.Body, pc: pc, c: c, stop: stop, keep: !resp.Close && !req.Close}
	if resp.Body == http.NoBody {
		b.done(true)
		return resp, nil
	}
	resp.Body = b
	return resp, nil
}

// readResponse reads the final response, skipping 1xx informational ones
// (100 Continue, 103 Early Hints).
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil || resp.StatusCode >= 200 || resp.StatusCode < 100 {
			return resp, err
		}
	}
}

// body hands its connection back to the pool once read to the end, or
// closes it when closed early.
type body struct {
	rc       io.ReadCloser
	pc       *pconn
	c        *conns
	stop     func() bool
	keep     bool
	finished bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.finished {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.done(true)
	} else if err != nil {
		b.done(false)
	}
	return n, err
}

func (b *body) Close() error {
	if !b.finished {
		b.done(false)
	}
	return nil
}

// done releases the connection: back to the pool after a complete
// response on a connection that may be kept, closed otherwise.
func (b *body) done(complete bool) {
	b.finished = true
	if b.stop() && complete && b.keep {
		b.c.put(b.pc)
		return
	}
	b.pc.conn.Close()
}
