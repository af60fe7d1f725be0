package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/knftables"
)

// failingNFT fails every Run after fail is set.
type failingNFT struct {
	*knftables.Fake
	fail bool
}

func (f *failingNFT) Run(ctx context.Context, tx *knftables.Transaction) error {
	if f.fail {
		return errors.New("nft: boom")
	}
	return f.Fake.Run(ctx, tx)
}

func testProxier(src source) (*Proxier, *failingNFT, *[][]flowFilter) {
	nft := &failingNFT{Fake: knftables.NewFake(knftables.IPv4Family, tableName)}
	px := newProxier(testParams, nft, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var flushed [][]flowFilter
	px.flushUDP = func(f []flowFilter) (uint, error) { flushed = append(flushed, f); return uint(len(f)), nil }
	return px, nft, &flushed
}

// TestProxierSyncs: the first sync is full; a change to one Service is a
// small partial transaction; a failed sync makes the next one full.
func TestProxierSyncs(t *testing.T) {
	ctx := context.Background()
	src := baseSource()
	px, nft, flushed := testProxier(src)
	if err := px.sync(ctx, true); err != nil {
		t.Fatal(err)
	}
	if want := sortElements(fullDump(t, stateOf(src))); sortElements(nft.Dump()) != want {
		t.Fatalf("after the full sync:\n%s\nwant:\n%s", nft.Dump(), want)
	}
	// The UDP DNS port got its first endpoint: its old entries are flushed.
	if want := []flowFilter{{dstIP: "10.96.0.10", dstPort: 53}}; len(*flushed) != 1 || !reflect.DeepEqual((*flushed)[0], want) {
		t.Errorf("conntrack flushes = %v, want [%v]", *flushed, want)
	}

	dns, _ := src.service("kube-system/kube-dns")
	px.changed(src.set(dns, slice(dns, "kube-dns-node-a", 53, "192.0.2.4@node-a")))
	if full, _ := px.sched.next(px.needFull, len(px.dirty) > 0); full {
		t.Fatal("a Service change schedules a full sync")
	}
	if err := px.sync(ctx, false); err != nil {
		t.Fatal(err)
	}
	tx := nft.LastTransaction.String()
	if strings.Contains(tx, "web") || strings.Contains(tx, "flush map") {
		t.Errorf("partial transaction touches other Services or whole maps:\n%s", tx)
	}
	if want := sortElements(fullDump(t, stateOf(src))); sortElements(nft.Dump()) == want {
		t.Error("the emptied endpoint chain was deleted in the same transaction")
	}
	// The endpoint that went away loses its UDP flows.
	if want := []flowFilter{{dstIP: "10.96.0.10", dstPort: 53, endpoint: "192.0.2.2"}, {dstIP: "10.96.0.10", dstPort: 53}}; len(*flushed) != 2 || !reflect.DeepEqual((*flushed)[1][:1], want[:1]) {
		t.Errorf("conntrack flushes = %v, want %v first", *flushed, want[:1])
	}

	nft.fail = true
	web, sl := src.service("default/web")
	src.set(web, sl[0], slice(web, "web-2", 8080, "10.244.2.2@node-c"))
	px.changed("default/web")
	if err := px.sync(ctx, false); err == nil {
		t.Fatal("sync succeeded with nft failing")
	}
	if !px.needFull || !px.dirty["default/web"] {
		t.Errorf("after a failure: needFull=%v dirty=%v, want a full sync with the change kept", px.needFull, px.dirty)
	}
	nft.fail = false
	if err := px.sync(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, ok := px.stale["endpoint-JXKAMGE4-kube-system/kube-dns/udp/dns__192.0.2.2/53"]; !ok {
		t.Errorf("the emptied DNS endpoint chain is not waiting for deletion: %v", px.stale)
	}
	px.deleteStaleChains(ctx, time.Now().Add(staleChainGrace))
	if want := sortElements(fullDump(t, stateOf(src))); sortElements(nft.Dump()) != want {
		t.Errorf("after the recovering full sync:\n%s\nwant:\n%s", nft.Dump(), want)
	}
}

func TestSchedule(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := schedule{minFull: time.Second, minPartial: 50 * time.Millisecond, fullPeriod: time.Hour, lastFull: t0, lastSync: t0.Add(500 * time.Millisecond)}
	cases := []struct {
		name            string
		needFull, dirty bool
		full            bool
		at              time.Time
	}{
		{"full is rate limited", true, true, true, t0.Add(time.Second)},
		{"change waits for the partial interval only", false, true, false, t0.Add(550 * time.Millisecond)},
		{"idle waits for the periodic full sync", false, false, true, t0.Add(time.Hour)},
	}
	for _, c := range cases {
		full, at := s.next(c.needFull, c.dirty)
		if full != c.full || !at.Equal(c.at) {
			t.Errorf("%s: next = %v %v, want %v %v", c.name, full, at.Sub(t0), c.full, c.at.Sub(t0))
		}
	}
}

func TestCategorize(t *testing.T) {
	cases := []struct {
		name           string
		sp             servicePort
		eps            []endpoint
		cluster, local []string
		any            bool
	}{
		{"ready only", servicePort{}, eps("a@l", "b!", "c~"), []string{"a"}, nil, true},
		{"terminating when none ready", servicePort{}, eps("b!", "c~", "d-"), []string{"c"}, nil, true},
		{"nothing usable", servicePort{}, eps("b!", "d-"), nil, nil, false},
		{"internal local", servicePort{internalLocal: true}, eps("a@l", "b"), nil, []string{"a"}, true},
		{"internal local, none here", servicePort{internalLocal: true}, eps("b"), nil, nil, true},
		{"local terminating", servicePort{internalLocal: true}, eps("a@l~", "b"), nil, []string{"a"}, true},
		{"external local", servicePort{nodePort: 30000, externalLocal: true}, eps("a@l", "b"), []string{"a", "b"}, []string{"a"}, true},
	}
	for _, c := range cases {
		got := categorize(&c.sp, c.eps, "n1", "z1")
		if !reflect.DeepEqual(ips(got.cluster), c.cluster) || !reflect.DeepEqual(ips(got.local), c.local) || got.any != c.any {
			t.Errorf("%s: cluster %v local %v any %v, want %v %v %v", c.name, ips(got.cluster), ips(got.local), got.any, c.cluster, c.local, c.any)
		}
	}
}

// eps parses "ip[@l][!~-]": @l local; ! not ready; ~ serving terminating;
// - terminating not serving.
// TestCategorizeTopology: on node n1 in zone z1, Cluster traffic goes to
// the ready endpoints hinted for the node, else for the zone, when every
// ready endpoint has such hints and one matches; terminating fallback and
// Local policies ignore hints.
func TestCategorizeTopology(t *testing.T) {
	hint := func(e []endpoint, hints ...string) []endpoint {
		for i := range e {
			for _, h := range strings.Split(hints[i], ",") {
				switch {
				case strings.HasPrefix(h, "z"):
					e[i].forZones = append(e[i].forZones, h)
				case strings.HasPrefix(h, "n"):
					e[i].forNodes = append(e[i].forNodes, h)
				}
			}
		}
		return e
	}
	cases := []struct {
		name    string
		sp      servicePort
		zone    string
		eps     []endpoint
		cluster []string
	}{
		{"same zone", servicePort{}, "z1", hint(eps("a", "b", "c"), "z1", "z2", "z1"), []string{"a", "c"}},
		{"an endpoint without hints", servicePort{}, "z1", hint(eps("a", "b"), "z1", ""), []string{"a", "b"}},
		{"none for this zone", servicePort{}, "z1", hint(eps("a", "b"), "z2", "z3"), []string{"a", "b"}},
		{"node unlabelled", servicePort{}, "", hint(eps("a", "b"), "z1", "z2"), []string{"a", "b"}},
		{"same node", servicePort{}, "z1", hint(eps("a", "b", "c"), "n1,z1", "n2,z1", "n3,z2"), []string{"a"}},
		{"node hints, none here: zone", servicePort{}, "z1", hint(eps("b", "c"), "n2,z1", "n3,z2"), []string{"b"}},
		{"not-ready endpoints do not count", servicePort{}, "z1", hint(eps("a", "t~", "x!"), "z1", "", ""), []string{"a"}},
		{"terminating fallback ignores hints", servicePort{}, "z1", hint(eps("t~", "u~"), "z2", "z1"), []string{"t", "u"}},
		{"local policy ignores hints", servicePort{internalLocal: true}, "z1", hint(eps("a@l", "b"), "z2", "z1"), nil},
	}
	for _, c := range cases {
		got := categorize(&c.sp, c.eps, "n1", c.zone)
		if !reflect.DeepEqual(ips(got.cluster), c.cluster) {
			t.Errorf("%s: cluster %v, want %v", c.name, ips(got.cluster), c.cluster)
		}
		if c.sp.internalLocal && !reflect.DeepEqual(ips(got.local), []string{"a"}) {
			t.Errorf("%s: local %v, want [a]", c.name, ips(got.local))
		}
	}
}

func eps(specs ...string) []endpoint {
	var out []endpoint
	for _, s := range specs {
		e := endpoint{ready: true, serving: true, port: 80}
		switch {
		case strings.HasSuffix(s, "!"):
			e.ready, e.serving = false, false
		case strings.HasSuffix(s, "~"):
			e.ready, e.terminating = false, true
		case strings.HasSuffix(s, "-"):
			e.ready, e.serving, e.terminating = false, false, true
		}
		s = strings.TrimRight(s, "!~-")
		s, e.local = strings.CutSuffix(s, "@l")
		e.ip = s
		out = append(out, e)
	}
	return out
}

func ips(eps []endpoint) []string {
	var out []string
	for _, e := range eps {
		out = append(out, e.ip)
	}
	return out
}

func TestStaleUDP(t *testing.T) {
	old := &serviceRules{udp: []udpPort{{ips: []string{"10.96.0.10", "203.0.113.1"}, port: 53, nodePort: 30053, endpoints: []string{"10.244.0.2", "10.244.0.3"}}}}
	next := &serviceRules{udp: []udpPort{{ips: []string{"10.96.0.10", "203.0.113.1"}, port: 53, nodePort: 30053, endpoints: []string{"10.244.0.3"}}}}
	want := []flowFilter{
		{dstIP: "10.96.0.10", dstPort: 53, endpoint: "10.244.0.2"},
		{dstIP: "203.0.113.1", dstPort: 53, endpoint: "10.244.0.2"},
		{dstPort: 30053, endpoint: "10.244.0.2"},
	}
	if got := staleUDP(old.udp, next.udp); !reflect.DeepEqual(got, want) {
		t.Errorf("endpoint gone: %v, want %v", got, want)
	}
	if got := staleUDP(next.udp, next.udp); len(got) != 0 {
		t.Errorf("no change: %v", got)
	}
	if got := staleUDP(old.udp, nil); len(got) != 6 {
		t.Errorf("Service deleted: %d filters, want 6 (2 endpoints × 3 destinations)", len(got))
	}
	first := []flowFilter{{dstIP: "10.96.0.10", dstPort: 53}, {dstIP: "203.0.113.1", dstPort: 53}, {dstPort: 30053}}
	if got := staleUDP(nil, next.udp); !reflect.DeepEqual(got, first) {
		t.Errorf("first endpoint: %v, want %v", got, first)
	}
}

// TestMissingNFT: without the nft command the proxy fails naming the
// Debian package to install.
func TestMissingNFT(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := newTable()
	if err == nil || !strings.Contains(err.Error(), "Debian package nftables") {
		t.Errorf("newTable without nft: %v, want an error naming the nftables package", err)
	}
}

func TestStaleDue(t *testing.T) {
	px, _, _ := testProxier(newStaticSource())
	if _, ok := px.staleDue(); ok {
		t.Error("due with no stale chains")
	}
	t0 := time.Unix(1000, 0)
	px.stale = map[string]time.Time{"a": t0.Add(time.Second), "b": t0}
	if due, ok := px.staleDue(); !ok || !due.Equal(t0.Add(staleChainGrace)) {
		t.Errorf("due %v %v, want the oldest plus the grace", due, ok)
	}
}

// TestRunLoop: the loop syncs everything first, applies a later change
// promptly (well before the full-sync rate limit would allow), and stops
// with its context.
func TestRunLoop(t *testing.T) {
	src := baseSource()
	px, nft, _ := testProxier(src)
	px.sched.minFull = time.Hour // only the first full sync may run
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { px.run(ctx); close(done) }()
	has := func(elem string) bool {
		nft.RLock()
		defer nft.RUnlock()
		return nft.Table != nil && nft.Table.Maps[serviceIPsMap].FindElement(strings.Split(elem, " . ")...) != nil
	}
	waitFor(t, func() bool { return has("10.96.0.20 . tcp . 80") }, "the first sync")
	api := svc("default", "api", "10.96.0.60")
	key := src.set(api, slice(api, "api-1", 8080, "10.244.0.11@node-a"))
	start := time.Now()
	px.changed(key)
	waitFor(t, func() bool { return has("10.96.0.60 . tcp . 80") }, "the change")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("change applied after %v", d)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop with its context")
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
