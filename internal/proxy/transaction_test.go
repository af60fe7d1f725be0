package proxy

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/knftables"
)

// baseSource is a small cluster: a NodePort, a sticky Service, the DNS
// Service and one without endpoints.
func baseSource() *staticSource {
	s := newStaticSource()
	web := svc("default", "web", "10.96.0.20", nodePort(30080))
	s.set(web, slice(web, "web-1", 8080, "10.244.0.5@node-a", "10.244.1.6@node-b"))
	sticky := svc("default", "sticky", "10.96.0.50", affinity(60))
	s.set(sticky, slice(sticky, "sticky-1", 8080, "10.244.0.5@node-a", "10.244.1.6@node-b"))
	dns := svc("kube-system", "kube-dns", "10.96.0.10", udp, internalLocal)
	s.set(dns, slice(dns, "kube-dns-node-a", 53, "192.0.2.2@node-a"))
	none := svc("default", "none", "10.96.0.22", nodePort(30082))
	s.set(none)
	return s
}

// TestPartialMatchesFull applies a series of changes as partial syncs and
// checks that, once emptied chains are deleted, the table is exactly what a
// full rewrite of the new state gives.
func TestPartialMatchesFull(t *testing.T) {
	steps := []struct {
		name   string
		change func(s *staticSource) []string
	}{
		{"endpoint removed", func(s *staticSource) []string {
			web, _ := s.service("default/web")
			return []string{s.set(web, slice(web, "web-1", 8080, "10.244.0.5@node-a"))}
		}},
		{"endpoint not ready", func(s *staticSource) []string {
			web, _ := s.service("default/web")
			return []string{s.set(web, slice(web, "web-1", 8080, "10.244.0.5@node-a!"))}
		}},
		{"endpoint back", func(s *staticSource) []string {
			web, _ := s.service("default/web")
			return []string{s.set(web, slice(web, "web-1", 8080, "10.244.0.5@node-a", "10.244.1.7@node-b"))}
		}},
		{"first endpoint", func(s *staticSource) []string {
			none, _ := s.service("default/none")
			return []string{s.set(none, slice(none, "none-1", 9090, "10.244.0.9@node-a"))}
		}},
		{"affinity timeout changed", func(s *staticSource) []string {
			sticky, sl := s.service("default/sticky")
			sticky = sticky.DeepCopy()
			affinity(120)(sticky)
			return []string{s.set(sticky, sl...)}
		}},
		{"service added and one deleted", func(s *staticSource) []string {
			api := svc("default", "api", "10.96.0.60", loadBalancer(30090, "192.0.2.2"), externalLocal)
			s.remove("default/sticky")
			return []string{s.set(api, slice(api, "api-1", 8080, "10.244.0.11@node-a")), "default/sticky"}
		}},
		{"two services claim one external IP, the first goes", func(s *staticSource) []string {
			a := svc("default", "a-ext", "10.96.0.70", func(v *v1.Service) { v.Spec.ExternalIPs = []string{"203.0.113.9"} })
			b := svc("default", "b-ext", "10.96.0.71", func(v *v1.Service) { v.Spec.ExternalIPs = []string{"203.0.113.9"} })
			ka := s.set(a, slice(a, "a-1", 8080, "10.244.0.12@node-a"))
			kb := s.set(b, slice(b, "b-1", 8080, "10.244.0.13@node-a"))
			return []string{ka, kb}
		}},
		{"claimant deleted", func(s *staticSource) []string {
			s.remove("default/a-ext")
			return []string{"default/a-ext"}
		}},
		{"no change", func(s *staticSource) []string { return []string{"default/web"} }},
	}
	src := baseSource()
	fake := knftables.NewFake(knftables.IPv4Family, tableName)
	applied := stateOf(src)
	tx := fake.NewTransaction()
	writeFull(tx, testParams, applied, nil, nil)
	mustRun(t, fake, tx)
	for _, step := range steps {
		changed := step.change(src)
		next := stateOf(src)
		tx := fake.NewTransaction()
		w := writePartial(tx, applied, next, changed)
		mustRun(t, fake, tx)
		stale := map[string]time.Time{}
		for _, c := range w.stale {
			stale[c] = time.Time{}
		}
		del := fake.NewTransaction()
		deleteStale(del, stale, time.Time{}.Add(time.Second), time.Second)
		mustRun(t, fake, del)
		if got, want := sortElements(fake.Dump()), sortElements(fullDump(t, next)); got != want {
			t.Fatalf("%s: partial sync differs from full\n got:\n%s\nwant:\n%s", step.name, got, want)
		}
		applied = next
	}
}

// TestPartialTransaction checks the exact transaction of one endpoint
// going away: the Service's chain is rewritten, the endpoint's chain
// emptied for later deletion, and nothing else is touched.
func TestPartialTransaction(t *testing.T) {
	src := baseSource()
	old := stateOf(src)
	web, _ := src.service("default/web")
	src.set(web, slice(web, "web-1", 8080, "10.244.0.5@node-a"))
	tx := knftables.NewFake(knftables.IPv4Family, tableName).NewTransaction()
	w := writePartial(tx, old, stateOf(src), []string{"default/web"})
	want := `add chain ip orca-proxy service-SUSTUHLJ-default/web/tcp/http
flush chain ip orca-proxy service-SUSTUHLJ-default/web/tcp/http
add rule ip orca-proxy service-SUSTUHLJ-default/web/tcp/http ip daddr 10.96.0.20 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip orca-proxy service-SUSTUHLJ-default/web/tcp/http numgen random mod 1 vmap { 0 : goto endpoint-4VJT4MCW-default/web/tcp/http__10.244.0.5/8080 }
flush chain ip orca-proxy endpoint-EKRJ2VCA-default/web/tcp/http__10.244.1.6/8080
`
	if got := tx.String(); got != want {
		t.Errorf("transaction\n got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Join(w.stale, ",") != "endpoint-EKRJ2VCA-default/web/tcp/http__10.244.1.6/8080" {
		t.Errorf("stale chains = %v", w.stale)
	}
}

// TestFullRemovesLeftovers: a full sync empties per-Service chains and
// deletes affinity sets the kernel has but the state does not (left by a
// previous run of the agent), and keeps the fixed ones.
func TestFullRemovesLeftovers(t *testing.T) {
	tx := knftables.NewFake(knftables.IPv4Family, tableName).NewTransaction()
	w := writeFull(tx, testParams, state{}, []string{"services", "service-OLD-default/gone/tcp/http"}, []string{"cluster-ips", "affinity-OLD-default/gone/tcp/http__10.0.0.1/80/60s"})
	text := tx.String()
	for _, line := range []string{
		"flush chain ip orca-proxy service-OLD-default/gone/tcp/http\n",
		"delete set ip orca-proxy affinity-OLD-default/gone/tcp/http__10.0.0.1/80/60s\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("transaction lacks %q", line)
		}
	}
	if strings.Contains(text, "delete set ip orca-proxy cluster-ips") {
		t.Error("full sync deletes the fixed cluster-ips set")
	}
	if len(w.stale) != 1 || w.stale[0] != "service-OLD-default/gone/tcp/http" {
		t.Errorf("stale = %v", w.stale)
	}
}

func TestDeleteStaleWaitsForGrace(t *testing.T) {
	now := time.Unix(1000, 0)
	stale := map[string]time.Time{"old": now.Add(-2 * time.Second), "new": now.Add(-500 * time.Millisecond)}
	tx := knftables.NewFake(knftables.IPv4Family, tableName).NewTransaction()
	got := deleteStale(tx, stale, now, time.Second)
	if len(got) != 1 || got[0] != "old" {
		t.Errorf("deleted %v, want [old]", got)
	}
}

// sortElements sorts the element lines of a dump: the order of a map's
// elements means nothing, the fake keeps them in insertion order.
func sortElements(dump string) string {
	var other, elems []string
	for _, l := range strings.Split(dump, "\n") {
		if strings.HasPrefix(l, "add element ") {
			elems = append(elems, l)
		} else {
			other = append(other, l)
		}
	}
	sort.Strings(elems)
	return strings.Join(append(other, elems...), "\n")
}

func mustRun(t *testing.T, fake *knftables.Fake, tx *knftables.Transaction) {
	t.Helper()
	if err := fake.Run(context.Background(), tx); err != nil {
		t.Fatalf("transaction: %v\n%s", err, tx)
	}
}
