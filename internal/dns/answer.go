package dns

import (
	"net"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// TTL is the records' time to live, CoreDNS's default.
const TTL = 5

// maxChain bounds CNAME chains between ExternalName Services (CoreDNS
// stops at 8 records).
const maxChain = 8

// reply is the answer to one question, before it becomes a message.
type reply struct {
	rcode  int
	answer []dns.RR
	ns     []dns.RR
	extra  []dns.RR
	// forward: the name is not ours (or a reverse name we don't know, as
	// CoreDNS's "fallthrough in-addr.arpa ip6.arpa"): ask upstream.
	forward bool
	// chase is an ExternalName target outside the cluster zone, to be
	// resolved upstream and its records appended (CoreDNS does this too).
	chase string
}

// Resolve answers one question from the index. name is as asked (its case
// is kept in the answer's owner names); matching is case-insensitive.
func (ix *Index) Resolve(name string, qtype uint16) reply {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.resolve(name, qtype, 0)
}

func (ix *Index) resolve(name string, qtype uint16, depth int) reply {
	lname := strings.ToLower(fqdnOf(name))
	switch {
	case lname == ix.zone:
		return ix.apex(name, qtype)
	case strings.HasSuffix(lname, "."+ix.zone):
		labels := dns.SplitDomainName(strings.TrimSuffix(lname, "."+ix.zone))
		return ix.inZone(name, labels, qtype, depth)
	case qtype == dns.TypePTR && (strings.HasSuffix(lname, ".in-addr.arpa.") || strings.HasSuffix(lname, ".ip6.arpa.")):
		return ix.reverse(name, lname)
	}
	return reply{forward: true}
}

func (ix *Index) inZone(name string, labels []string, qtype uint16, depth int) reply {
	n := len(labels)
	switch {
	case n == 0:
		return ix.nxdomain()
	case labels[n-1] == "svc":
		return ix.svcName(name, labels[:n-1], qtype, depth)
	case labels[n-1] == "pod":
		return ix.podName(name, labels[:n-1], qtype)
	case n == 1 && labels[0] == "dns-version":
		if qtype != dns.TypeTXT {
			return ix.nodata()
		}
		return reply{answer: []dns.RR{&dns.TXT{Hdr: hdr(name, dns.TypeTXT), Txt: []string{"1.1.0"}}}}
	case n == 2 && labels[0] == "ns" && labels[1] == "dns":
		return ix.addresses(name, qtype, ix.nameservers)
	}
	return ix.nxdomain()
}

// svcName answers <svc>.<ns>.svc, <endpoint>.<svc>.<ns>.svc and
// _<port>._<proto>.<svc>.<ns>.svc; labels exclude "svc" and the zone.
func (ix *Index) svcName(name string, labels []string, qtype uint16, depth int) reply {
	n := len(labels)
	if n == 0 {
		return ix.nodata() // svc.<zone> is an empty non-terminal
	}
	ns := labels[n-1]
	if n == 1 {
		return ix.namespaceNode(ns)
	}
	q := svcQuery{name: labels[n-2]}
	switch n {
	case 2:
	case 3:
		q.endpoint = labels[0]
	case 4:
		q.port, q.proto = strings.TrimPrefix(labels[0], "_"), strings.TrimPrefix(labels[1], "_")
	default:
		return ix.nxdomain()
	}
	s := ix.services[ns+"/"+q.name]
	if s == nil {
		return ix.nxdomain()
	}
	switch {
	case s.externalName != "":
		return ix.externalName(name, s, q, qtype, depth)
	case s.headless || q.endpoint != "":
		return ix.endpointAnswer(name, s, q, qtype)
	}
	return ix.clusterIPAnswer(name, s, q, qtype)
}

// svcQuery is what a name under svc asks for; empty fields match anything.
type svcQuery struct {
	name, endpoint, port, proto string
}

func (q svcQuery) matches(p port) bool {
	return (q.port == "" || q.port == p.name) && (q.proto == "" || q.proto == p.proto)
}

func (ix *Index) namespaceNode(ns string) reply {
	if ix.namespaces[ns] {
		return ix.nodata()
	}
	return ix.nxdomain()
}

// clusterIPAnswer: the ClusterIPs for address queries, one SRV per
// matching port with the Service's own name as target.
func (ix *Index) clusterIPAnswer(name string, s *service, q svcQuery, qtype uint16) reply {
	var ports []port
	for _, p := range s.ports {
		if q.matches(p) {
			ports = append(ports, p)
		}
	}
	if len(ports) == 0 {
		return ix.nxdomain()
	}
	if qtype != dns.TypeSRV {
		return ix.addresses(name, qtype, s.clusterIPs)
	}
	target := s.name + "." + s.namespace + ".svc." + ix.zone
	var r reply
	w := srvWeight(len(ports))
	for _, p := range ports {
		r.answer = append(r.answer, srv(name, target, p.number, w))
	}
	r.extra = addressRRs(target, s.clusterIPs, dns.TypeA, dns.TypeAAAA)
	return r
}

// endpointAnswer: headless Services, and <endpoint>.<svc> names of any
// Service: the endpoints' addresses, SRV targets are the endpoints' names.
func (ix *Index) endpointAnswer(name string, s *service, q svcQuery, qtype uint16) reply {
	type hit struct {
		ep   endpoint
		port *port
	}
	var hits []hit
	for _, ep := range s.endpoints {
		if q.endpoint != "" && q.endpoint != ep.label {
			continue
		}
		if len(ep.ports) == 0 && q.port == "" && q.proto == "" {
			hits = append(hits, hit{ep: ep}) // a portless headless Service: addresses only
		}
		for i := range ep.ports {
			if q.matches(ep.ports[i]) {
				hits = append(hits, hit{ep: ep, port: &ep.ports[i]})
			}
		}
	}
	if len(hits) == 0 {
		return ix.nxdomain() // CoreDNS: a headless Service with no ready endpoint does not exist
	}
	if qtype != dns.TypeSRV {
		var ips []net.IP
		for _, h := range hits {
			if !slices.ContainsFunc(ips, h.ep.ip.Equal) {
				ips = append(ips, h.ep.ip)
			}
		}
		return ix.addresses(name, qtype, ips)
	}
	var r reply
	n := 0
	for _, h := range hits {
		if h.port != nil {
			n++
		}
	}
	w := srvWeight(n)
	seen := map[string]bool{}
	for _, h := range hits {
		if h.port == nil {
			continue
		}
		target := h.ep.label + "." + s.name + "." + s.namespace + ".svc." + ix.zone
		r.answer = append(r.answer, srv(name, target, h.port.number, w))
		if !seen[target+h.ep.ip.String()] {
			seen[target+h.ep.ip.String()] = true
			r.extra = append(r.extra, addressRRs(target, []net.IP{h.ep.ip}, dns.TypeA, dns.TypeAAAA)...)
		}
	}
	if len(r.answer) == 0 {
		return ix.nodata()
	}
	return r
}

// externalName: a CNAME to the target, followed inside the zone, or left
// for the server to chase upstream; SRV records point at the target.
func (ix *Index) externalName(name string, s *service, q svcQuery, qtype uint16, depth int) reply {
	if q.endpoint != "" {
		return ix.nxdomain() // an ExternalName Service has no endpoints
	}
	cname := &dns.CNAME{Hdr: hdr(name, dns.TypeCNAME), Target: s.externalName}
	switch qtype {
	case dns.TypeCNAME:
		return reply{answer: []dns.RR{cname}}
	case dns.TypeSRV:
		var r reply
		w := srvWeight(len(s.ports))
		for _, p := range s.ports {
			if q.matches(p) {
				r.answer = append(r.answer, srv(name, s.externalName, p.number, w))
			}
		}
		if len(r.answer) == 0 {
			return ix.nodata()
		}
		return r
	case dns.TypeA, dns.TypeAAAA, dns.TypeTXT:
	default:
		return ix.nodata()
	}
	if s.externalName == strings.ToLower(fqdnOf(name)) || depth >= maxChain {
		return ix.nodata() // x CNAME x, or a loop between Services
	}
	if s.externalName == ix.zone || strings.HasSuffix(s.externalName, "."+ix.zone) {
		next := ix.resolve(s.externalName, qtype, depth+1)
		next.answer = append([]dns.RR{cname}, next.answer...)
		next.rcode, next.ns = dns.RcodeSuccess, nil
		return next
	}
	return reply{answer: []dns.RR{cname}, chase: s.externalName}
}

// podName answers <a-b-c-d>.<ns>.pod with the address the label spells
// (CoreDNS's "pods insecure", the default configuration).
func (ix *Index) podName(name string, labels []string, qtype uint16) reply {
	switch len(labels) {
	case 0:
		return ix.nodata()
	case 1:
		return ix.namespaceNode(labels[0])
	case 2:
	default:
		return ix.nxdomain()
	}
	if !ix.namespaces[labels[1]] {
		return ix.nxdomain()
	}
	label := labels[0]
	var text string
	if strings.Count(label, "-") == 3 && !strings.Contains(label, "--") {
		text = strings.ReplaceAll(label, "-", ".")
	} else {
		text = strings.ReplaceAll(label, "-", ":")
	}
	ip := net.ParseIP(text)
	if ip == nil {
		return ix.nxdomain()
	}
	return ix.addresses(name, qtype, []net.IP{ip})
}

// reverse answers PTR for ClusterIPs (the first Service's name, as
// CoreDNS) and else endpoint addresses (every Service's endpoint name).
func (ix *Index) reverse(name, lname string) reply {
	ip := reverseIP(lname)
	if ip == nil {
		return reply{forward: true}
	}
	key := ip.String()
	var targets []string
	if keys := ix.clusterIPs[key]; len(keys) > 0 {
		keys = slices.Sorted(slices.Values(keys))
		s := ix.services[keys[0]]
		targets = append(targets, s.name+"."+s.namespace+".svc."+ix.zone)
	} else {
		for _, k := range slices.Sorted(slices.Values(ix.endpointIPs[key])) {
			s := ix.services[k]
			for _, ep := range s.endpoints {
				t := ep.label + "." + s.name + "." + s.namespace + ".svc." + ix.zone
				if ep.ip.Equal(ip) && !slices.Contains(targets, t) {
					targets = append(targets, t)
				}
			}
		}
	}
	if len(targets) == 0 {
		return reply{forward: true}
	}
	var r reply
	for _, t := range targets {
		r.answer = append(r.answer, &dns.PTR{Hdr: hdr(name, dns.TypePTR), Ptr: t})
	}
	return r
}

// apex answers the zone's own name: SOA, NS, nothing else.
func (ix *Index) apex(name string, qtype uint16) reply {
	switch qtype {
	case dns.TypeSOA:
		return reply{answer: []dns.RR{ix.soa()}}
	case dns.TypeNS:
		if len(ix.nameservers) == 0 {
			return ix.nodata()
		}
		nsName := "ns.dns." + ix.zone
		return reply{
			answer: []dns.RR{&dns.NS{Hdr: hdr(name, dns.TypeNS), Ns: nsName}},
			extra:  addressRRs(nsName, ix.nameservers, dns.TypeA, dns.TypeAAAA),
		}
	}
	return ix.nodata()
}

// addresses answers an address query for a name that exists with ips:
// the records of the asked family, NODATA for any other type.
func (ix *Index) addresses(name string, qtype uint16, ips []net.IP) reply {
	if qtype != dns.TypeA && qtype != dns.TypeAAAA {
		return ix.nodata()
	}
	rrs := addressRRs(name, ips, qtype)
	if len(rrs) == 0 {
		return ix.nodata()
	}
	return reply{answer: rrs}
}

// addressRRs makes A and/or AAAA records (per types) for ips.
func addressRRs(name string, ips []net.IP, types ...uint16) []dns.RR {
	var out []dns.RR
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			if slices.Contains(types, dns.TypeA) {
				out = append(out, &dns.A{Hdr: hdr(name, dns.TypeA), A: v4})
			}
		} else if slices.Contains(types, dns.TypeAAAA) {
			out = append(out, &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA), AAAA: ip})
		}
	}
	return out
}

// srvWeight spreads 100 over n equal-priority records, as CoreDNS does.
func srvWeight(n int) uint16 {
	if n == 0 {
		return 100
	}
	return uint16(max(1, 100/n))
}

func srv(name, target string, port, weight uint16) dns.RR {
	return &dns.SRV{Hdr: hdr(name, dns.TypeSRV), Priority: 0, Weight: weight, Port: port, Target: target}
}

func (ix *Index) nxdomain() reply {
	return reply{rcode: dns.RcodeNameError, ns: []dns.RR{ix.soa()}}
}

func (ix *Index) nodata() reply {
	return reply{ns: []dns.RR{ix.soa()}}
}

// soa is the zone's SOA, CoreDNS-shaped; its serial moves with each
// change of the index.
func (ix *Index) soa() dns.RR {
	return &dns.SOA{
		Hdr: hdr(ix.zone, dns.TypeSOA), Ns: "ns.dns." + ix.zone, Mbox: "hostmaster." + ix.zone,
		Serial: ix.serial, Refresh: 7200, Retry: 1800, Expire: 86400, Minttl: TTL,
	}
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: fqdnOf(name), Rrtype: t, Class: dns.ClassINET, Ttl: TTL}
}

func fqdnOf(s string) string { return dns.Fqdn(s) }

func lowerFQDN(s string) string { return strings.ToLower(dns.Fqdn(s)) }
