package dns

import (
	"context"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkResolve: one lookup in an index of 1,000 Services (the pure
// answer, no message).
func BenchmarkResolve(b *testing.B) {
	ix, names := SyntheticIndex("cluster.local", 1000, 10)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := ix.Resolve(names[i%len(names)], dns.TypeA)
		if len(r.answer) == 0 {
			b.Fatal("no answer")
		}
		i++
	}
}

// BenchmarkHandler: a whole packet in, a whole packet out (unpack, answer,
// truncate, pack), as the server does per UDP query, over a mix of
// ClusterIP, headless, SRV and NXDOMAIN questions.
func BenchmarkHandler(b *testing.B) {
	ix, names := SyntheticIndex("cluster.local", 1000, 10)
	h := &Handler{Index: ix}
	var packets [][]byte
	for i, n := range names {
		m := new(dns.Msg)
		switch i % 4 {
		case 0, 1:
			m.SetQuestion(n, dns.TypeA)
		case 2:
			m.SetQuestion("_http._tcp."+n, dns.TypeSRV)
		case 3:
			m.SetQuestion("x"+n, dns.TypeA)
		}
		p, err := m.Pack()
		if err != nil {
			b.Fatal(err)
		}
		packets = append(packets, p)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := new(dns.Msg)
		if err := req.Unpack(packets[i%len(packets)]); err != nil {
			b.Fatal(err)
		}
		if _, err := h.Answer(ctx, req, false).Pack(); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
