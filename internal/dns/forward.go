package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Forwarder sends the names outside the cluster to the node's own
// resolvers, as CoreDNS's "forward . /etc/resolv.conf": over the protocol
// the client used (a truncated UDP answer goes back truncated, and the
// client retries over TCP), the upstreams taken in turn, the next one
// tried when one fails.
type Forwarder struct {
	upstreams []string // host:port
	timeout   time.Duration
	next      atomic.Uint32
}

// NewForwarder forwards to upstreams ("ip" or "ip:port"), each given
// timeout per attempt.
func NewForwarder(upstreams []string, timeout time.Duration) *Forwarder {
	f := &Forwarder{timeout: timeout}
	for _, u := range upstreams {
		if _, _, err := net.SplitHostPort(u); err != nil {
			u = net.JoinHostPort(u, "53")
		}
		f.upstreams = append(f.upstreams, u)
	}
	return f
}

// Upstreams are the servers forwarded to.
func (f *Forwarder) Upstreams() []string { return slices.Clone(f.upstreams) }

// ResolvConfUpstreams reads the nameservers of a resolv.conf, leaving out
// the addresses of this DNS itself (self, the cluster DNS Service IPs):
// forwarding to them would loop. Loopback resolvers stay: the agent
// forwards from the host's network namespace, where they answer (pods
// never see them).
func ResolvConfUpstreams(path string, self []net.IP) ([]string, error) {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range cc.Servers {
		ip := net.ParseIP(s)
		if ip == nil || slices.ContainsFunc(self, ip.Equal) {
			continue
		}
		out = append(out, net.JoinHostPort(ip.String(), cc.Port))
	}
	return out, nil
}

var errNoUpstream = errors.New("no upstream resolver")

// Exchange asks the upstreams req (over TCP if tcp) and returns their
// answer with req's ID.
func (f *Forwarder) Exchange(ctx context.Context, req *dns.Msg, tcp bool) (*dns.Msg, error) {
	if len(f.upstreams) == 0 {
		return nil, errNoUpstream
	}
	c := &dns.Client{Net: "udp", Timeout: f.timeout}
	if tcp {
		c.Net = "tcp"
	}
	out := req.Copy()
	out.Id = dns.Id() // a fresh ID per hop, so a spoofed answer must guess it
	start := int(f.next.Add(1))
	var last error
	for i := range f.upstreams {
		up := f.upstreams[(start+i)%len(f.upstreams)]
		resp, _, err := c.ExchangeContext(ctx, out, up)
		if err == nil {
			resp.Id = req.Id
			return resp, nil
		}
		last = fmt.Errorf("%s: %w", up, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// Lookup asks the upstreams for name/qtype with recursion.
func (f *Forwarder) Lookup(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.SetEdns0(dns.DefaultMsgSize, false)
	return f.Exchange(ctx, m, false)
}
