package ingress

import (
	"errors"
	"net"
	"net/http"
)

// balancer is the transport of the HTTPS listener's proxy, which serves
// the HTTP/2 clients (HTTP/1.1 ones, upgrades included, go through the
// forwarder): it sends each request to the next endpoint of the request's
// Backend over kept-alive connections. When an endpoint refuses the
// connection and the request has no body, it tries the next one, up to
// three endpoints, as nginx's proxy_next_upstream does for connection
// errors.
type balancer struct {
	conns *conns
}

const maxTries = 3

func newBalancer() balancer { return balancer{conns: newConns()} }

func (t balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	b, _ := req.Context().Value(backendKey{}).(*Backend)
	if b == nil {
		return nil, errors.New("no backend for the request")
	}
	tries := min(maxTries, len(b.Endpoints))
	for i := 1; ; i++ {
		ep, ok := b.Pick()
		if !ok {
			return nil, errors.New("no ready endpoints")
		}
		resp, err := t.conns.RoundTrip(to(req, ep))
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
