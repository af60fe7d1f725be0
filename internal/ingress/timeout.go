package ingress

import (
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// backendReadTimeout is nginx's proxy_read_timeout default: how long a
// backend may stay silent, between two reads, while a response is awaited
// or read. A backend that hangs then gets its client a 504 (or, mid
// response, a closed connection) instead of holding it forever.
const backendReadTimeout = 60 * time.Second

// timedReader reads conn with a deadline that moves with the reads.
// Moving a deadline costs a timer update, so it moves only once an
// eighth of the timeout has passed and is set that much further: a
// silence fails after between one and 1.125 timeouts.
type timedReader struct {
	conn    net.Conn
	timeout time.Duration
	moved   time.Time
	// expired: expire was called; no read moves the deadline again.
	expired atomic.Bool
}

func (t *timedReader) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(t.moved) > t.timeout/8 && !t.expired.Load() {
		t.conn.SetReadDeadline(now.Add(t.timeout + t.timeout/8)) //nolint:errcheck
		t.moved = now
		if t.expired.Load() { // expire ran meanwhile: its deadline wins
			t.conn.SetReadDeadline(time.Unix(1, 0)) //nolint:errcheck
		}
	}
	return t.conn.Read(p)
}

// expire fails the connection's reads and writes now and from now on
// (the client went away).
func (t *timedReader) expire() {
	t.expired.Store(true)
	t.conn.SetDeadline(time.Unix(1, 0)) //nolint:errcheck
}

// gatewayError is the status and body for a backend that failed: 504
// when it timed out, else 502.
func gatewayError(err error) (int, string) {
	code := http.StatusBadGateway
	if errors.Is(err, os.ErrDeadlineExceeded) {
		code = http.StatusGatewayTimeout
	}
	return code, strconv.Itoa(code) + " " + http.StatusText(code)
}
