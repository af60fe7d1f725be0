package dns

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	v1 "k8s.io/api/core/v1"
)

// fakeUpstream answers example.com A, big.example. TXT (too big for
// 512 bytes) and NXDOMAIN for anything else, on 127.0.0.1 UDP and TCP.
func fakeUpstream(t *testing.T) (addr string, queries *atomic.Int32) {
	t.Helper()
	queries = new(atomic.Int32)
	h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		queries.Add(1)
		m := new(dns.Msg)
		m.SetReply(req)
		m.RecursionAvailable = true
		q := req.Question[0]
		switch {
		case q.Name == "example.com." && q.Qtype == dns.TypeA:
			rr, _ := dns.NewRR("example.com. 300 IN A 192.0.2.1")
			m.Answer = append(m.Answer, rr)
		case q.Name == "big.example." && q.Qtype == dns.TypeTXT:
			for i := range 20 {
				rr, _ := dns.NewRR(fmt.Sprintf(`big.example. 300 IN TXT "%s"`, strings.Repeat(fmt.Sprint(i%10), 100)))
				m.Answer = append(m.Answer, rr)
			}
		default:
			m.Rcode = dns.RcodeNameError
		}
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
			size := dns.MinMsgSize
			if o := req.IsEdns0(); o != nil {
				size = int(o.UDPSize())
			}
			m.Truncate(size)
		}
		_ = w.WriteMsg(m)
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	udp, _, err := Serve(ctx, "127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	return udp.String(), queries
}

// startTestServer serves testIndex (plus a 100-endpoint headless Service)
// on 127.0.0.1, forwarding to upstream.
func startTestServer(t *testing.T, upstream string) string {
	t.Helper()
	ix := testIndex()
	ix.SetService(headlessService("ns1", "many", svcPort("http", v1.ProtocolTCP, 80)))
	var eps []ep
	for i := range 100 {
		eps = append(eps, ep{ip: fmt.Sprintf("10.244.3.%d", i+1), ready: yes})
	}
	ix.SetSlice(slice("ns1", "many-1", "many", eps, slicePort("http", v1.ProtocolTCP, 80)))
	h := &Handler{Index: ix, Forward: NewForwarder([]string{upstream}, time.Second), Cache: NewCache(100, 30*time.Second), Timeout: 2 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	udp, _, err := Serve(ctx, "127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	return udp.String()
}

func query(t *testing.T, server, proto, name string, qtype uint16, edns uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	if edns > 0 {
		m.SetEdns0(edns, false)
	}
	c := &dns.Client{Net: proto, Timeout: 3 * time.Second, UDPSize: max(edns, dns.MinMsgSize)}
	resp, _, err := c.Exchange(m, server)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], proto, err)
	}
	if resp.Id != m.Id {
		t.Fatalf("%s: answer ID %d, query ID %d", name, resp.Id, m.Id)
	}
	return resp
}

func TestServerSockets(t *testing.T) {
	upstream, upstreamQueries := fakeUpstream(t)
	srv := startTestServer(t, upstream)

	for _, proto := range []string{"udp", "tcp"} {
		r := query(t, srv, proto, "web.ns1.svc.cluster.local.", dns.TypeA, 0)
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative || !r.RecursionAvailable || len(r.Answer) != 1 ||
			r.Answer[0].(*dns.A).A.String() != "10.96.0.20" {
			t.Errorf("%s: cluster name: %v", proto, r)
		}
		r = query(t, srv, proto, "nope.ns1.svc.cluster.local.", dns.TypeA, 0)
		if r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
			t.Errorf("%s: NXDOMAIN with SOA: %v", proto, r)
		}
		r = query(t, srv, proto, "example.com.", dns.TypeA, 0)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.1" || r.Authoritative {
			t.Errorf("%s: forwarded name: %v", proto, r)
		}
		r = query(t, srv, proto, "nothing.example.", dns.TypeA, 0)
		if r.Rcode != dns.RcodeNameError {
			t.Errorf("%s: upstream's NXDOMAIN: %v", proto, r)
		}
	}
	// example.com once (then from the cache, for TCP too); the fake's
	// NXDOMAIN has no SOA to bound a negative TTL, so it is asked twice.
	if n := upstreamQueries.Load(); n != 3 {
		t.Errorf("the upstream saw %d queries, want 3", n)
	}

	// ExternalName outside the zone: the CNAME and the target's address.
	r := query(t, srv, "udp", "ext.ns1.svc.cluster.local.", dns.TypeA, 0)
	if len(r.Answer) != 2 || r.Answer[0].(*dns.CNAME).Target != "example.com." || r.Answer[1].(*dns.A).A.String() != "192.0.2.1" {
		t.Errorf("ExternalName chased upstream: %v", r)
	}

	// 100 addresses do not fit 512 bytes: TC over UDP, all over TCP, and
	// a 4096-byte EDNS buffer takes them.
	r = query(t, srv, "udp", "many.ns1.svc.cluster.local.", dns.TypeA, 0)
	if !r.Truncated || len(r.Answer) >= 100 {
		t.Errorf("UDP, no EDNS: truncated %v with %d answers", r.Truncated, len(r.Answer))
	}
	r = query(t, srv, "tcp", "many.ns1.svc.cluster.local.", dns.TypeA, 0)
	if r.Truncated || len(r.Answer) != 100 {
		t.Errorf("TCP: truncated %v with %d answers", r.Truncated, len(r.Answer))
	}
	r = query(t, srv, "udp", "many.ns1.svc.cluster.local.", dns.TypeA, 4096)
	if r.Truncated || len(r.Answer) != 100 || r.IsEdns0() == nil {
		t.Errorf("UDP, EDNS 4096: truncated %v with %d answers, OPT %v", r.Truncated, len(r.Answer), r.IsEdns0())
	}
	// The upstream's truncated answer reaches the client as such.
	r = query(t, srv, "udp", "big.example.", dns.TypeTXT, 0)
	if !r.Truncated {
		t.Errorf("forwarded over UDP: want TC, got %v", r)
	}
	r = query(t, srv, "tcp", "big.example.", dns.TypeTXT, 0)
	if r.Truncated || len(r.Answer) != 20 {
		t.Errorf("forwarded over TCP: truncated %v with %d answers", r.Truncated, len(r.Answer))
	}
}

// TestServerShufflesAddresses: several addresses come back in varying
// order (CoreDNS's loadbalance), the set unchanged.
func TestServerShufflesAddresses(t *testing.T) {
	upstream, _ := fakeUpstream(t)
	srv := startTestServer(t, upstream)
	firsts := map[string]bool{}
	for range 50 {
		r := query(t, srv, "udp", "plain.ns1.svc.cluster.local.", dns.TypeA, 0)
		if len(r.Answer) != 2 {
			t.Fatalf("answers: %v", r.Answer)
		}
		firsts[r.Answer[0].(*dns.A).A.String()] = true
	}
	if len(firsts) != 2 {
		t.Errorf("first address over 50 queries: %v, want both", firsts)
	}
}

func TestServerUpstreamDown(t *testing.T) {
	// A bound UDP socket that never answers.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	srv := startTestServer(t, pc.LocalAddr().String())
	start := time.Now()
	r := query(t, srv, "udp", "example.com.", dns.TypeA, 0)
	if r.Rcode != dns.RcodeServerFailure {
		t.Errorf("upstream down: rcode %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("SERVFAIL took %v, past the handler's 2 s timeout", d)
	}
	// Cluster names do not depend on the upstream.
	if r := query(t, srv, "udp", "web.ns1.svc.cluster.local.", dns.TypeA, 0); len(r.Answer) != 1 {
		t.Errorf("cluster name with the upstream down: %v", r)
	}
}

func TestHandlerMalformed(t *testing.T) {
	h := &Handler{Index: testIndex()}
	q := func(mod func(*dns.Msg)) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("web.ns1.svc.cluster.local.", dns.TypeA)
		mod(m)
		return h.Answer(context.Background(), m, false)
	}
	if r := q(func(m *dns.Msg) { m.Response = true }); r != nil {
		t.Errorf("a response was answered: %v", r)
	}
	if r := q(func(m *dns.Msg) { m.Opcode = dns.OpcodeUpdate }); r.Rcode != dns.RcodeNotImplemented {
		t.Errorf("UPDATE: %s", dns.RcodeToString[r.Rcode])
	}
	if r := q(func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }); r.Rcode != dns.RcodeFormatError {
		t.Errorf("two questions: %s", dns.RcodeToString[r.Rcode])
	}
	if r := q(func(m *dns.Msg) { m.Question = nil }); r.Rcode != dns.RcodeFormatError {
		t.Errorf("no question: %s", dns.RcodeToString[r.Rcode])
	}
	if r := q(func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeAXFR }); r.Rcode != dns.RcodeRefused {
		t.Errorf("AXFR: %s", dns.RcodeToString[r.Rcode])
	}
	// No forwarder: outside names are refused.
	if r := q(func(m *dns.Msg) { m.Question[0].Name = "example.com." }); r.Rcode != dns.RcodeRefused {
		t.Errorf("no forwarder: %s", dns.RcodeToString[r.Rcode])
	}
}

func TestResolvConfUpstreams(t *testing.T) {
	path := t.TempDir() + "/resolv.conf"
	conf := "search example\nnameserver 127.0.0.53\nnameserver 10.96.0.10\nnameserver 192.168.1.1\nnameserver fd00::53\noptions ndots:2\n"
	if err := writeFile(path, conf); err != nil {
		t.Fatal(err)
	}
	got, err := ResolvConfUpstreams(path, []net.IP{net.ParseIP("10.96.0.10"), net.ParseIP("192.168.1.5")})
	if err != nil {
		t.Fatal(err)
	}
	want := "127.0.0.53:53 192.168.1.1:53 [fd00::53]:53"
	if strings.Join(got, " ") != want {
		t.Errorf("upstreams %q, want %q", got, want)
	}
}

// recorder is a dns.ResponseWriter that keeps what is written.
type recorder struct {
	dns.ResponseWriter
	msgs []*dns.Msg
}

func (r *recorder) WriteMsg(m *dns.Msg) error { r.msgs = append(r.msgs, m); return nil }
func (r *recorder) RemoteAddr() net.Addr      { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353} }

// TestSyncGate: until the informers have synced, cluster names get no
// answer (not a false NXDOMAIN); other names pass.
func TestSyncGate(t *testing.T) {
	g := &syncGate{next: &Handler{Index: testIndex()}, zone: "cluster.local."}
	ask := func(name string) int {
		w := &recorder{}
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		g.ServeDNS(w, m)
		return len(w.msgs)
	}
	if n := ask("web.ns1.svc.cluster.local."); n != 0 {
		t.Errorf("before sync: %d answers to a cluster name", n)
	}
	if n := ask("example.com."); n != 1 {
		t.Errorf("before sync: %d answers to an outside name (refused: no forwarder)", n)
	}
	g.ready.Store(true)
	if n := ask("web.ns1.svc.cluster.local."); n != 1 {
		t.Errorf("after sync: %d answers", n)
	}
}
