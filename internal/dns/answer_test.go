package dns

import (
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"
	v1 "k8s.io/api/core/v1"
)

// rrs prints records one a line without tabs; SOAs print as "SOA <zone>"
// (their serial moves with every change).
func rrs(list []dns.RR) []string {
	var out []string
	for _, rr := range list {
		if soa, ok := rr.(*dns.SOA); ok {
			out = append(out, "SOA "+soa.Hdr.Name+" "+soa.Ns+" "+soa.Mbox)
			continue
		}
		out = append(out, strings.Join(strings.Fields(rr.String()), " "))
	}
	return out
}

const soa = "SOA cluster.local. ns.dns.cluster.local. hostmaster.cluster.local."

func TestResolve(t *testing.T) {
	ix := testIndex()
	const (
		nx = dns.RcodeNameError
		ok = dns.RcodeSuccess
	)
	cases := []struct {
		name    string
		qtype   uint16
		rcode   int
		answer  []string
		ns      []string
		extra   []string
		forward bool
		chase   string
	}{
		// ClusterIP Services.
		{name: "web.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"web.ns1.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "WEB.Ns1.SVC.Cluster.local", qtype: dns.TypeA, answer: []string{"WEB.Ns1.SVC.Cluster.local. 5 IN A 10.96.0.20"}},
		{name: "kubernetes.default.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"kubernetes.default.svc.cluster.local. 5 IN A 10.96.0.1"}},
		{name: "web.ns1.svc.cluster.local.", qtype: dns.TypeAAAA, ns: []string{soa}},
		{name: "web.ns1.svc.cluster.local.", qtype: dns.TypeTXT, ns: []string{soa}},
		{name: "dual.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"dual.ns1.svc.cluster.local. 5 IN A 10.96.0.30"}},
		{name: "dual.ns1.svc.cluster.local.", qtype: dns.TypeAAAA, answer: []string{"dual.ns1.svc.cluster.local. 5 IN AAAA fd00::30"}},
		{name: "nope.ns1.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		{name: "web.nons.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		{name: "x.y.z.web.ns1.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		// SRV for named ports; without _port._proto every port.
		{name: "_http._tcp.web.ns1.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_http._tcp.web.ns1.svc.cluster.local. 5 IN SRV 0 100 80 web.ns1.svc.cluster.local."},
			extra:  []string{"web.ns1.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "_HTTP._TCP.web.ns1.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_HTTP._TCP.web.ns1.svc.cluster.local. 5 IN SRV 0 100 80 web.ns1.svc.cluster.local."},
			extra:  []string{"web.ns1.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "web.ns1.svc.cluster.local.", qtype: dns.TypeSRV, answer: []string{
			"web.ns1.svc.cluster.local. 5 IN SRV 0 33 80 web.ns1.svc.cluster.local.",
			"web.ns1.svc.cluster.local. 5 IN SRV 0 33 9090 web.ns1.svc.cluster.local.",
			"web.ns1.svc.cluster.local. 5 IN SRV 0 33 5000 web.ns1.svc.cluster.local.",
		}, extra: []string{"web.ns1.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "_http._udp.web.ns1.svc.cluster.local.", qtype: dns.TypeSRV, rcode: nx, ns: []string{soa}},
		{name: "_metrics._tcp.web.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"_metrics._tcp.web.ns1.svc.cluster.local. 5 IN A 10.96.0.20"}},
		// Endpoint names: also under a ClusterIP Service; ready ones only.
		{name: "10-244-0-5.web.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"10-244-0-5.web.ns1.svc.cluster.local. 5 IN A 10.244.0.5"}},
		{name: "10-244-0-6.web.ns1.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		// Headless Services: ready endpoints; StatefulSet hostnames.
		{name: "db.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{
			"db.ns1.svc.cluster.local. 5 IN A 10.244.0.7", "db.ns1.svc.cluster.local. 5 IN A 10.244.0.8"}},
		{name: "db.ns1.svc.cluster.local.", qtype: dns.TypeAAAA, ns: []string{soa}},
		{name: "db-0.db.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"db-0.db.ns1.svc.cluster.local. 5 IN A 10.244.0.7"}},
		{name: "db-2.db.ns1.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		{name: "10-244-0-7.db.ns1.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		{name: "_mysql._tcp.db.ns1.svc.cluster.local.", qtype: dns.TypeSRV, answer: []string{
			"_mysql._tcp.db.ns1.svc.cluster.local. 5 IN SRV 0 50 3306 db-0.db.ns1.svc.cluster.local.",
			"_mysql._tcp.db.ns1.svc.cluster.local. 5 IN SRV 0 50 3306 db-1.db.ns1.svc.cluster.local.",
		}, extra: []string{
			"db-0.db.ns1.svc.cluster.local. 5 IN A 10.244.0.7",
			"db-1.db.ns1.svc.cluster.local. 5 IN A 10.244.0.8",
		}},
		{name: "plain.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{
			"plain.ns1.svc.cluster.local. 5 IN A 10.244.1.2", "plain.ns1.svc.cluster.local. 5 IN A 10.244.1.3"}},
		{name: "10-244-1-3.plain.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"10-244-1-3.plain.ns1.svc.cluster.local. 5 IN A 10.244.1.3"}},
		{name: "plain.ns1.svc.cluster.local.", qtype: dns.TypeSRV, answer: []string{
			"plain.ns1.svc.cluster.local. 5 IN SRV 0 50 8080 10-244-1-2.plain.ns1.svc.cluster.local.",
			"plain.ns1.svc.cluster.local. 5 IN SRV 0 50 8080 10-244-1-3.plain.ns1.svc.cluster.local.",
		}, extra: []string{
			"10-244-1-2.plain.ns1.svc.cluster.local. 5 IN A 10.244.1.2",
			"10-244-1-3.plain.ns1.svc.cluster.local. 5 IN A 10.244.1.3",
		}},
		{name: "pnr.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"pnr.ns1.svc.cluster.local. 5 IN A 10.244.2.1"}},
		{name: "pnr.ns1.svc.cluster.local.", qtype: dns.TypeSRV, ns: []string{soa}},
		{name: "nobody.ns1.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		// ExternalName: CNAME, chased upstream outside the zone, inside it
		// answered at once.
		{name: "ext.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"ext.ns1.svc.cluster.local. 5 IN CNAME example.com."}, chase: "example.com."},
		{name: "ext.ns1.svc.cluster.local.", qtype: dns.TypeCNAME, answer: []string{"ext.ns1.svc.cluster.local. 5 IN CNAME example.com."}},
		{name: "ext.ns1.svc.cluster.local.", qtype: dns.TypeSRV, answer: []string{"ext.ns1.svc.cluster.local. 5 IN SRV 0 100 80 example.com."}},
		{name: "ext.ns1.svc.cluster.local.", qtype: dns.TypeMX, ns: []string{soa}},
		{name: "a.ext.ns1.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		{name: "alias.ns1.svc.cluster.local.", qtype: dns.TypeA, answer: []string{
			"alias.ns1.svc.cluster.local. 5 IN CNAME web.ns1.svc.cluster.local.", "web.ns1.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "loop.ns1.svc.cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		// Pods by address ("pods insecure").
		{name: "10-244-0-5.ns1.pod.cluster.local.", qtype: dns.TypeA, answer: []string{"10-244-0-5.ns1.pod.cluster.local. 5 IN A 10.244.0.5"}},
		{name: "10-244-0-5.ns1.pod.cluster.local.", qtype: dns.TypeAAAA, ns: []string{soa}},
		{name: "fd00--5.ns1.pod.cluster.local.", qtype: dns.TypeAAAA, answer: []string{"fd00--5.ns1.pod.cluster.local. 5 IN AAAA fd00::5"}},
		{name: "10-244-0-5.nons.pod.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		{name: "web.ns1.pod.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		{name: "a.10-244-0-5.ns1.pod.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		// Empty non-terminals and namespaces: NODATA; unknown: NXDOMAIN.
		{name: "ns1.svc.cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		{name: "empty.svc.cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		{name: "nons.svc.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		{name: "svc.cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		{name: "pod.cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		{name: "ns1.pod.cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		{name: "foo.cluster.local.", qtype: dns.TypeA, rcode: nx, ns: []string{soa}},
		// The apex and CoreDNS's special names.
		{name: "cluster.local.", qtype: dns.TypeSOA, answer: []string{soa}},
		{name: "cluster.local.", qtype: dns.TypeNS, answer: []string{"cluster.local. 5 IN NS ns.dns.cluster.local."},
			extra: []string{"ns.dns.cluster.local. 5 IN A 10.96.0.10"}},
		{name: "cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		{name: "ns.dns.cluster.local.", qtype: dns.TypeA, answer: []string{"ns.dns.cluster.local. 5 IN A 10.96.0.10"}},
		{name: "dns-version.cluster.local.", qtype: dns.TypeTXT, answer: []string{`dns-version.cluster.local. 5 IN TXT "1.1.0"`}},
		// Reverse: ClusterIPs, endpoint names; unknown addresses and other
		// types fall through to the upstreams.
		{name: "20.0.96.10.in-addr.arpa.", qtype: dns.TypePTR, answer: []string{"20.0.96.10.in-addr.arpa. 5 IN PTR web.ns1.svc.cluster.local."}},
		{name: "7.0.244.10.IN-ADDR.ARPA.", qtype: dns.TypePTR, answer: []string{"7.0.244.10.IN-ADDR.ARPA. 5 IN PTR db-0.db.ns1.svc.cluster.local."}},
		{name: "5.0.244.10.in-addr.arpa.", qtype: dns.TypePTR, answer: []string{"5.0.244.10.in-addr.arpa. 5 IN PTR 10-244-0-5.web.ns1.svc.cluster.local."}},
		{name: "0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", qtype: dns.TypePTR,
			answer: []string{"0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa. 5 IN PTR dual.ns1.svc.cluster.local."}},
		{name: "6.0.244.10.in-addr.arpa.", qtype: dns.TypePTR, forward: true},
		{name: "20.0.96.10.in-addr.arpa.", qtype: dns.TypeA, forward: true},
		{name: "0.96.10.in-addr.arpa.", qtype: dns.TypePTR, forward: true},
		// Everything else is forwarded.
		{name: "example.com.", qtype: dns.TypeA, forward: true},
		{name: "notcluster.local.", qtype: dns.TypeA, forward: true},
		{name: ".", qtype: dns.TypeNS, forward: true},
	}
	for _, c := range cases {
		r := ix.Resolve(c.name, c.qtype)
		got := []any{r.rcode, rrs(r.answer), rrs(r.ns), rrs(r.extra), r.forward, r.chase}
		want := []any{c.rcode, c.answer, c.ns, c.extra, c.forward, c.chase}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s:\n got %q\nwant %q", c.name, dns.TypeToString[c.qtype], got, want)
		}
	}
}

// TestIndexUpdates: records follow Service and EndpointSlice changes,
// reverse entries included, with nothing left behind.
func TestIndexUpdates(t *testing.T) {
	ix := testIndex()
	a := func(name string) []string { return rrs(ix.Resolve(name, dns.TypeA).answer) }
	ptr := func(name string) []string { return rrs(ix.Resolve(name, dns.TypePTR).answer) }

	// An endpoint becomes ready.
	ix.SetSlice(slice("ns1", "db-1", "db", []ep{{ip: "10.244.0.9", hostname: "db-2", ready: yes}}, slicePort("mysql", v1.ProtocolTCP, 3306)))
	if got := a("db.ns1.svc.cluster.local."); !reflect.DeepEqual(got, []string{"db.ns1.svc.cluster.local. 5 IN A 10.244.0.9"}) {
		t.Errorf("after the slice update: %q", got)
	}
	if got := ptr("7.0.244.10.in-addr.arpa."); got != nil {
		t.Errorf("PTR of a removed endpoint: %q", got)
	}
	// A second slice adds to the first.
	ix.SetSlice(slice("ns1", "db-2", "db", []ep{{ip: "10.244.0.10", hostname: "db-3", ready: yes}}))
	if got := a("db.ns1.svc.cluster.local."); len(got) != 2 {
		t.Errorf("two slices: %q", got)
	}
	// Relabelled to another Service: leaves db.
	moved := slice("ns1", "db-2", "plain", []ep{{ip: "10.244.0.10", ready: yes}})
	ix.SetSlice(moved)
	if got := a("db.ns1.svc.cluster.local."); len(got) != 1 {
		t.Errorf("after relabelling: %q", got)
	}
	if got := a("plain.ns1.svc.cluster.local."); len(got) != 3 {
		t.Errorf("relabelled slice joins plain: %q", got)
	}
	ix.DeleteSlice("ns1", "db-2")
	if got := a("plain.ns1.svc.cluster.local."); len(got) != 2 {
		t.Errorf("after deleting the slice: %q", got)
	}
	// A new ClusterIP: the old PTR goes.
	ix.SetService(clusterIPService("ns1", "web", []string{"10.96.0.21"}, svcPort("http", v1.ProtocolTCP, 80)))
	if got := ptr("20.0.96.10.in-addr.arpa."); got != nil {
		t.Errorf("old ClusterIP's PTR: %q", got)
	}
	if got := ptr("21.0.96.10.in-addr.arpa."); len(got) != 1 {
		t.Errorf("new ClusterIP's PTR: %q", got)
	}
	// Endpoints stay filed while the Service is gone, and come back with it.
	ix.DeleteService("ns1", "web")
	if r := ix.Resolve("web.ns1.svc.cluster.local.", dns.TypeA); r.rcode != dns.RcodeNameError {
		t.Errorf("deleted Service: rcode %d", r.rcode)
	}
	if got := ptr("5.0.244.10.in-addr.arpa."); got != nil {
		t.Errorf("deleted Service's endpoint PTR: %q", got)
	}
	ix.SetService(clusterIPService("ns1", "web", []string{"10.96.0.20"}, svcPort("http", v1.ProtocolTCP, 80)))
	if got := a("10-244-0-5.web.ns1.svc.cluster.local."); len(got) != 1 {
		t.Errorf("recreated Service's endpoint: %q", got)
	}
	ix.SetNamespace("empty", false)
	if r := ix.Resolve("empty.svc.cluster.local.", dns.TypeA); r.rcode != dns.RcodeNameError {
		t.Errorf("deleted namespace: rcode %d", r.rcode)
	}
	if len(ix.clusterIPs)+len(ix.endpointIPs) == 0 {
		t.Fatal("reverse maps empty")
	}
	for _, k := range []string{"ns1/web", "ns1/db", "ns1/plain", "ns1/pnr", "ns1/dual", "default/kubernetes"} {
		ix.DeleteService(splitKey(k))
	}
	if len(ix.clusterIPs)+len(ix.endpointIPs) != 0 {
		t.Errorf("reverse entries left after deleting every Service: %v %v", ix.clusterIPs, ix.endpointIPs)
	}
}

func splitKey(k string) (string, string) {
	ns, name, _ := strings.Cut(k, "/")
	return ns, name
}

func TestReverseIP(t *testing.T) {
	cases := map[string]string{
		"5.0.244.10.in-addr.arpa.":  "10.244.0.5",
		"0.244.10.in-addr.arpa.":    "",
		"5.0.244.300.in-addr.arpa.": "",
		"x.0.244.10.in-addr.arpa.":  "",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.":  "fd00::1",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.ip6.arpa.":    "",
		"10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.": "",
		"example.com.": "",
	}
	for name, want := range cases {
		got := ""
		if ip := reverseIP(name); ip != nil {
			got = ip.String()
		}
		if got != want {
			t.Errorf("reverseIP(%q) = %q, want %q", name, got, want)
		}
	}
}
