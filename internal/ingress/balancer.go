package ingress

import (
	"errors"
	"net"
	"net/http"
	"time"
)

// balancer is the proxy's transport: it sends each request to the next
// endpoint of the request's Backend over kept-alive connections. When an
// endpoint refuses the connection and the request has no body, it tries
// the next one, up to three endpoints, as nginx's proxy_next_upstream
// does for connection errors. Plain requests go through the lean conns;
// upgrades (WebSocket) through net/http's Transport, which hands the
// proxy the two-way connection.
type balancer struct {
	plain    *conns
	upgrades *http.Transport
}

const maxTries = 3

func newBalancer() balancer {
	return balancer{plain: newConns(), upgrades: &http.Transport{
		// Never a proxy from the environment: endpoints are pod IPs.
		Proxy:       nil,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		// Pass Content-Encoding through untouched.
		DisableCompression: true,
	}}
}

func (t balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	b, _ := req.Context().Value(backendKey{}).(*Backend)
	if b == nil {
		return nil, errors.New("no backend for the request")
	}
	var rt http.RoundTripper = t.plain
	if req.Header.Get("Upgrade") != "" {
		rt = t.upgrades
	}
	tries := min(maxTries, len(b.Endpoints))
	for i := 1; ; i++ {
		ep, ok := b.Pick()
		if !ok {
			return nil, errors.New("no ready endpoints")
		}
		resp, err := rt.RoundTrip(to(req, ep))
		if err == nil || i >= tries || !retryable(req, err) {
			return resp, err
		}
	}
}

// to is req aimed at one endpoint (a shallow copy: a RoundTripper must not
// change its request).
func to(req *http.Request, endpoint string) *http.Request {
	out := *req
	u := *req.URL
	u.Host = endpoint
	out.URL = &u
	return &out
}

// retryable: nothing was sent (the connection failed) and there is no
// body the failed attempt may have consumed.
func retryable(req *http.Request, err error) bool {
	if req.Body != nil && req.Body != http.NoBody {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
