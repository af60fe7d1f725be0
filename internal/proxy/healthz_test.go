package proxy

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// /livez and /healthz as kube-proxy's: unhealthy until the first sync and
// while a change has waited a minute; /healthz also 503 on a node that
// should get no traffic.
func TestProxyHealthz(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var lastOK, waiting time.Time
	eligible := true
	now := t0
	h := &healthz{
		fresh:    func() (time.Time, time.Time) { return lastOK, waiting },
		eligible: func() bool { return eligible },
		now:      func() time.Time { return now },
	}
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	check := func(what string, livez, healthz int) {
		t.Helper()
		if c, b := get("/livez"); c != livez {
			t.Errorf("%s: /livez %d %s, want %d", what, c, b, livez)
		}
		if c, b := get("/healthz"); c != healthz {
			t.Errorf("%s: /healthz %d %s, want %d", what, c, b, healthz)
		}
	}
	check("before the first sync", 503, 503)

	lastOK = t0
	now = t0.Add(10 * time.Minute)
	check("synced, nothing waiting", 200, 200)
	if _, b := get("/healthz"); !strings.Contains(b, `"lastUpdated": "2026-12-02 10:00:00 +0000 UTC"`) || !strings.Contains(b, `"nodeEligible": true`) {
		t.Errorf("/healthz body %s", b)
	}

	waiting = now.Add(-59 * time.Second)
	check("a change waiting 59 s", 200, 200)
	waiting = now.Add(-61 * time.Second)
	check("a change waiting 61 s", 503, 503)

	waiting, eligible = time.Time{}, false
	check("node to be deleted", 200, 503)
	if _, b := get("/healthz"); !strings.Contains(b, `"nodeEligible": false`) {
		t.Errorf("/healthz body %s, want nodeEligible false", b)
	}
}

// The sync loop's freshness: a change waits from when it came until a
// sync that took it succeeds; a failed sync keeps it waiting.
func TestSyncerFreshness(t *testing.T) {
	l := newSyncer()
	if ok, w := l.freshness(); !ok.IsZero() || !w.IsZero() {
		t.Fatalf("new loop: %v %v, want nothing", ok, w)
	}
	l.changed("ns/a")
	_, came := l.freshness()
	if came.IsZero() {
		t.Fatal("a change is not waiting")
	}
	dirty, _ := l.begin(false)
	l.changed("ns/b") // during the sync
	if _, w := l.freshness(); !w.Equal(came) {
		t.Errorf("during the sync waiting since %v, want the first change's %v", w, came)
	}
	l.failed(dirty)
	l.done(errors.New("nft: failed"))
	h := &healthz{fresh: l.freshness}
	if ok, w := l.freshness(); !w.Equal(came) || !ok.IsZero() || healthyNow(h) {
		t.Errorf("after a failed sync: last ok %v, waiting since %v, want none and %v", ok, w, came)
	}
	l.begin(true)
	l.done(nil)
	if ok, w := l.freshness(); ok.IsZero() || !w.IsZero() || !healthyNow(h) {
		t.Errorf("after a good sync: last ok %v, waiting since %v, want a time and nothing waiting", ok, w)
	}
}

func healthyNow(h *healthz) bool {
	ok, _ := h.healthy(time.Now())
	return ok
}
