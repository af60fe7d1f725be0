package dns

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestCache(t *testing.T) {
	now := time.Unix(1000, 0)
	c := NewCache(2, 30*time.Second)
	c.now = func() time.Time { return now }
	req := func(name string, qtype uint16) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		return m
	}
	answer := func(r *dns.Msg, rcode int, rrs ...string) *dns.Msg {
		m := new(dns.Msg)
		m.SetRcode(r, rcode)
		for _, s := range rrs {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			if rr.Header().Rrtype == dns.TypeSOA {
				m.Ns = append(m.Ns, rr)
			} else {
				m.Answer = append(m.Answer, rr)
			}
		}
		return m
	}

	q := req("example.com.", dns.TypeA)
	c.Put(q, answer(q, dns.RcodeSuccess, "example.com. 300 IN A 192.0.2.1", "example.com. 10 IN A 192.0.2.2"))
	now = now.Add(4 * time.Second)
	again := req("EXAMPLE.com.", dns.TypeA)
	got := c.Get(again)
	if got == nil || got.Id != again.Id || got.Question[0].Name != "EXAMPLE.com." || got.Answer[0].Header().Ttl != 296 || got.Answer[1].Header().Ttl != 6 {
		t.Fatalf("hit after 4 s: %v", got)
	}
	if c.Get(req("example.com.", dns.TypeAAAA)) != nil {
		t.Error("another type hit")
	}
	now = now.Add(6 * time.Second) // the smallest TTL (10 s) is over
	if c.Get(q) != nil {
		t.Error("hit past the smallest TTL")
	}

	// Negative answers live for the SOA's minimum; capped at 30 s.
	nx := req("nothing.example.", dns.TypeA)
	c.Put(nx, answer(nx, dns.RcodeNameError, "example. 3600 IN SOA ns.example. host.example. 1 7200 1800 86400 60"))
	now = now.Add(29 * time.Second)
	if got := c.Get(nx); got == nil || got.Rcode != dns.RcodeNameError {
		t.Errorf("NXDOMAIN within 30 s: %v", got)
	}
	now = now.Add(time.Second)
	if c.Get(nx) != nil {
		t.Error("NXDOMAIN past the 30 s cap")
	}

	// Not cached: SERVFAIL, truncated, nothing to bound the TTL.
	sf := req("fail.example.", dns.TypeA)
	c.Put(sf, answer(sf, dns.RcodeServerFailure))
	tc := answer(q, dns.RcodeSuccess, "example.com. 300 IN A 192.0.2.1")
	tc.Truncated = true
	c.Put(q, tc)
	empty := req("empty.example.", dns.TypeA)
	c.Put(empty, answer(empty, dns.RcodeSuccess))
	if c.Get(sf) != nil || c.Get(q) != nil || c.Get(empty) != nil {
		t.Error("cached an answer that must not be")
	}

	// Full: an entry makes room.
	for _, n := range []string{"a.example.", "b.example.", "c.example."} {
		r := req(n, dns.TypeA)
		c.Put(r, answer(r, dns.RcodeSuccess, n+" 300 IN A 192.0.2.9"))
	}
	if len(c.entries) != 2 {
		t.Errorf("%d entries, size 2", len(c.entries))
	}
}

// TestServerCachesForwarded: the second ask of an outside name does not
// reach the upstream.
func TestServerCachesForwarded(t *testing.T) {
	upstream, queries := fakeUpstream(t)
	srv := startTestServer(t, upstream)
	for range 3 {
		if r := query(t, srv, "udp", "example.com.", dns.TypeA, 0); len(r.Answer) != 1 {
			t.Fatalf("answer: %v", r)
		}
	}
	if n := queries.Load(); n != 1 {
		t.Errorf("the upstream saw %d queries for one name asked 3 times", n)
	}
}
