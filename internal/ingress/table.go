package ingress

import (
	"crypto/tls"
	"fmt"
	"sync/atomic"
)

// Table is one immutable snapshot of everything the ingress serves: the
// routes of every Ingress of its class, each resolved to the ready
// endpoints of its Service, and the TLS certificates by host. The handler
// reads the current Table through an atomic pointer; a change in the
// cluster builds a new Table and swaps it in, so requests in flight finish
// on the snapshot they started with and no listener restarts.
type Table struct {
	hosts     map[string]*routes // exact rule hosts
	wildcards map[string]*routes // "*.foo.com" rules, by "foo.com"
	any       routes             // rules without a host; its fallback is the default backend
	certs     certs
	// Ingresses is the number of Ingresses the table serves (logs).
	Ingresses int
}

// routes are the paths of one host, merged over every Ingress that names it.
type routes struct {
	exact  map[string]*Backend
	prefix map[string]*Backend // by prefixKey
	// fallback serves a path no rule matches: the spec.defaultBackend of
	// the oldest Ingress with rules for the host (as ingress-nginx).
	fallback *Backend
}

// Backend is one Service port an Ingress routes to, with the ready
// endpoints ("ip:port", sorted) it balances over, round-robin.
type Backend struct {
	Namespace, Service string
	// Port is the Service port as the Ingress names it: "80" or "http".
	Port      string
	Endpoints []string
	// Problem says why there are no endpoints when the Service or its
	// port is missing (empty otherwise).
	Problem string
	next    atomic.Uint32
}

// String names the backend in logs: namespace/service:port.
func (b *Backend) String() string {
	return fmt.Sprintf("%s/%s:%s", b.Namespace, b.Service, b.Port)
}

// Pick returns the next endpoint, round-robin; ok is false when the
// Service has no ready endpoint.
func (b *Backend) Pick() (endpoint string, ok bool) {
	n := len(b.Endpoints)
	if n == 0 {
		return "", false
	}
	i := b.next.Add(1) - 1
	return b.Endpoints[int(i%uint32(n))], true
}

// Route finds the backend for a request's host (as requestHost returns
// it) and path. The host's own rules come first (exact host, else the
// wildcard one label up), longest path first and Exact before Prefix on a
// tie; then that host's default backend; then the rules without a host;
// then the default backend. nil means nothing matches: 404.
func (t *Table) Route(host, path string) *Backend {
	if r := t.hostRoutes(host); r != nil {
		if b := r.match(path); b != nil {
			return b
		}
		if r.fallback != nil {
			return r.fallback
		}
	}
	if b := t.any.match(path); b != nil {
		return b
	}
	return t.any.fallback
}

func (t *Table) hostRoutes(host string) *routes {
	if r, ok := t.hosts[host]; ok {
		return r
	}
	if key, ok := wildcardKey(host); ok {
		return t.wildcards[key]
	}
	return nil
}

// match finds the longest matching path. An Exact match is never shorter
// than a Prefix one (a Prefix rule matches only paths at least as long as
// itself without its trailing slash), so it is looked up first.
func (r *routes) match(path string) *Backend {
	if b, ok := r.exact[path]; ok {
		return b
	}
	if len(r.prefix) == 0 {
		return nil
	}
	var found *Backend
	prefixCandidates(path, func(key string) bool {
		found = r.prefix[key]
		return found != nil
	})
	return found
}

// Certificate is the certificate for a TLS client hello's server name:
// the exact host's, else the wildcard's one label up, else nil (the
// caller serves its default certificate).
func (t *Table) Certificate(serverName string) *tls.Certificate {
	return t.certs.get(requestHost(serverName))
}

// certs are the TLS certificates by host, as Ingresses' spec.tls give them.
type certs struct {
	exact, wildcard map[string]*tls.Certificate
}

func (c *certs) get(host string) *tls.Certificate {
	if cert, ok := c.exact[host]; ok {
		return cert
	}
	if key, ok := wildcardKey(host); ok {
		return c.wildcard[key]
	}
	return nil
}
