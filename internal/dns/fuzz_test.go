package dns

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/miekg/dns"
)

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

// FuzzServeDNS feeds raw packets to the handler (no upstream): whatever
// parses must get an answer that packs, and nothing may panic.
func FuzzServeDNS(f *testing.F) {
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"web.ns1.svc.cluster.local.", dns.TypeA},
		{"_mysql._tcp.db.ns1.svc.cluster.local.", dns.TypeSRV},
		{"ext.ns1.svc.cluster.local.", dns.TypeA},
		{"alias.ns1.svc.cluster.local.", dns.TypeAAAA},
		{"7.0.244.10.in-addr.arpa.", dns.TypePTR},
		{"fd00--5.ns1.pod.cluster.local.", dns.TypeAAAA},
		{"cluster.local.", dns.TypeNS},
		{"example.com.", dns.TypeA},
	} {
		m := new(dns.Msg)
		m.SetQuestion(q.name, q.qtype)
		m.SetEdns0(1232, false)
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	h := &Handler{Index: testIndex()}
	f.Fuzz(func(t *testing.T, raw []byte, tcp bool) {
		req := new(dns.Msg)
		if err := req.Unpack(raw); err != nil {
			return
		}
		resp := h.Answer(context.Background(), req, tcp)
		if resp == nil {
			if !req.Response {
				t.Fatal("no answer to a query")
			}
			return
		}
		b, err := resp.Pack()
		if err != nil {
			t.Fatalf("answer does not pack: %v\n%v", err, resp)
		}
		if !tcp && len(b) > 4096 {
			t.Fatalf("UDP answer of %d bytes", len(b))
		}
	})
}

// FuzzReverseIP: any name, no panic; an answer is a valid address.
func FuzzReverseIP(f *testing.F) {
	f.Add("5.0.244.10.in-addr.arpa.")
	f.Add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.")
	f.Fuzz(func(t *testing.T, name string) {
		if ip := reverseIP(name); ip != nil && ip.To16() == nil {
			t.Fatalf("%q gave %v", name, ip)
		}
	})
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
