package dns

import (
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Cache keeps upstream answers for their TTL, at most maxTTL (CoreDNS's
// default "cache 30"), so that the pods of a node asking the same outside
// names cost one upstream query per TTL. Cluster names are not cached:
// they are answered from memory.
type Cache struct {
	maxTTL  time.Duration
	size    int
	now     func() time.Time
	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
}

type cacheKey struct {
	name          string // lowercase
	qtype, qclass uint16
	do            bool // DNSSEC records asked for
}

type cacheEntry struct {
	msg     *dns.Msg
	stored  time.Time
	expires time.Time
}

// NewCache holds at most size answers for at most maxTTL.
func NewCache(size int, maxTTL time.Duration) *Cache {
	return &Cache{maxTTL: maxTTL, size: size, now: time.Now, entries: map[cacheKey]cacheEntry{}}
}

func keyOf(req *dns.Msg) cacheKey {
	q := req.Question[0]
	do := false
	if o := req.IsEdns0(); o != nil {
		do = o.Do()
	}
	return cacheKey{name: strings.ToLower(q.Name), qtype: q.Qtype, qclass: q.Qclass, do: do}
}

// Get is a cached answer to req with req's ID and the TTLs aged, or nil.
func (c *Cache) Get(req *dns.Msg) *dns.Msg {
	k := keyOf(req)
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[k]
	if ok && !now.Before(e.expires) {
		delete(c.entries, k)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil
	}
	m := e.msg.Copy()
	m.Id = req.Id
	m.Question = req.Question // the client's spelling of the name
	age := uint32(now.Sub(e.stored) / time.Second)
	for _, rrs := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range rrs {
			if h := rr.Header(); h.Rrtype != dns.TypeOPT {
				h.Ttl = max(h.Ttl, age) - age
			}
		}
	}
	return m
}

// Put stores a complete answer (NOERROR or NXDOMAIN, not truncated) for
// its smallest TTL (a negative answer: its SOA's), capped at maxTTL.
func (c *Cache) Put(req, resp *dns.Msg) {
	if resp.Truncated || (resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError) || len(req.Question) != 1 {
		return
	}
	ttl, ok := minTTL(resp)
	if !ok {
		return
	}
	d := min(time.Duration(ttl)*time.Second, c.maxTTL)
	if d <= 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.size {
		for k := range c.entries { // full: drop an arbitrary entry
			delete(c.entries, k)
			break
		}
	}
	c.entries[keyOf(req)] = cacheEntry{msg: resp.Copy(), stored: now, expires: now.Add(d)}
}

// minTTL is the smallest TTL in the answer and authority sections; an
// answer with neither (no SOA to bound a negative answer) is not cached.
func minTTL(m *dns.Msg) (uint32, bool) {
	var ttl uint32
	found := false
	for _, rrs := range [][]dns.RR{m.Answer, m.Ns} {
		for _, rr := range rrs {
			t := rr.Header().Ttl
			if soa, ok := rr.(*dns.SOA); ok {
				t = min(t, soa.Minttl) // RFC 2308: the negative TTL
			}
			if !found || t < ttl {
				ttl, found = t, true
			}
		}
	}
	return ttl, found
}
