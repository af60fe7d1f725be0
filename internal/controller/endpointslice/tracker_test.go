package endpointslice

import (
	"testing"
	"time"

	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func slice(uid string, gen int64) *discovery.EndpointSlice {
	return &discovery.EndpointSlice{ObjectMeta: metav1.ObjectMeta{UID: types.UID(uid), Generation: gen}}
}

func TestTracker(t *testing.T) {
	tr := NewTracker()
	const k = "ns/web"
	if tr.Stale(k, nil) || !tr.ShouldSync(k, slice("a", 1)) {
		t.Fatal("untracked: not stale, and a foreign slice is news")
	}
	tr.Written(k, slice("a", 1))
	if !tr.Stale(k, nil) {
		t.Error("created slice not yet in the cache: want stale")
	}
	if tr.Stale(k, []*discovery.EndpointSlice{slice("a", 1)}) {
		t.Error("cache caught up: want fresh")
	}
	if tr.ShouldSync(k, slice("a", 1)) {
		t.Error("our own write is no news")
	}
	tr.Written(k, slice("a", 2))
	if !tr.Stale(k, []*discovery.EndpointSlice{slice("a", 1)}) {
		t.Error("cache at an older generation: want stale")
	}
	if !tr.ShouldSync(k, slice("a", 3)) {
		t.Error("a newer generation than ours is someone else's edit")
	}
	tr.Deleted(k, slice("a", 2))
	if !tr.Stale(k, []*discovery.EndpointSlice{slice("a", 2)}) {
		t.Error("deleted slice still cached: want stale")
	}
	if !tr.HandleDeletion(k, slice("a", 2)) {
		t.Error("our own deletion was expected")
	}
	if tr.Stale(k, nil) {
		t.Error("after the deletion was seen: want fresh")
	}
	tr.Written(k, slice("b", 1))
	if tr.HandleDeletion(k, slice("b", 1)) {
		t.Error("a deletion we did not make must resync the Service")
	}
	tr.Written(k, slice("c", 1))
	now := time.Now()
	tr.now = func() time.Time { return now.Add(staleTimeout + time.Second) }
	if tr.Stale(k, nil) {
		t.Error("a write never seen for longer than staleTimeout: want the cache trusted")
	}
	tr.now = time.Now
	tr.Written(k, slice("c", 1))
	tr.Forget(k)
	if tr.Stale(k, nil) {
		t.Error("forgotten service: want fresh")
	}
}
