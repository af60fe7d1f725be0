package storage

import (
	"fmt"
	"math/rand"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// Dispatch through the trigger index delivers exactly what testing every
// event against every watcher delivers, for random batches of pods moving
// between nodes (binding, rebinding, deletes) and selectors with and
// without an exact spec.nodeName; on few nodes, and on many with large
// batches.
func TestTriggeredDispatchEqualsFullDispatch(t *testing.T) {
	nodes := []string{"", "a", "b", "c"}
	selectors := []string{"spec.nodeName=a", "spec.nodeName=", "spec.nodeName==b", "spec.nodeName!=a",
		"status.phase=Running,spec.nodeName=c", "spec.nodeName=a,status.phase!=Failed", "status.phase=Running", ""}
	checkTriggeredDispatch(t, nodes, selectors, 8)
	for i := range 40 {
		node := fmt.Sprint("n", i)
		nodes = append(nodes, node)
		selectors = append(selectors, "spec.nodeName="+node)
	}
	checkTriggeredDispatch(t, nodes, selectors, 100)
	if tr := triggerOf(Predicate{Field: fields.OneTermEqualSelector("spec.nodeName", "a")}); tr != (trigger{"spec.nodeName", "a"}) {
		t.Errorf("trigger %+v", tr)
	}
	if tr := triggerOf(Predicate{Field: fields.OneTermNotEqualSelector("spec.nodeName", "a")}); tr != (trigger{}) {
		t.Errorf("a != selector has trigger %+v", tr)
	}
}

func checkTriggeredDispatch(t *testing.T, nodes, selectors []string, maxBatch int) {
	rng := rand.New(rand.NewSource(1))
	entryOn := func(name, node, phase string) *entry {
		return &entry{key: "/pods/ns/" + name, obj: newObject(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}), fields: fieldsOf(fields.Set{
			"metadata.name": name, "spec.nodeName": node, "status.phase": phase})}
	}
	for round := 0; round < 200; round++ {
		var batch []*event
		for i := 0; i < 1+rng.Intn(maxBatch); i++ {
			name := fmt.Sprint("p", rng.Intn(4*len(nodes)))
			phase := []string{"Pending", "Running", "Failed"}[rng.Intn(3)]
			e := &event{typ: watch.Modified, rv: uint64(i + 1), cur: entryOn(name, nodes[rng.Intn(len(nodes))], phase)}
			switch rng.Intn(3) {
			case 0:
				e.typ = watch.Added
			case 1:
				e.prev = entryOn(name, nodes[rng.Intn(len(nodes))], phase)
			case 2:
				e.typ, e.prev = watch.Deleted, e.cur
			}
			batch = append(batch, e)
		}
		var indexed, full []*Watch
		for _, sel := range selectors {
			fs, err := fields.ParseSelector(sel)
			if err != nil {
				t.Fatal(err)
			}
			p := Predicate{Field: fs}
			indexed = append(indexed, &Watch{ready: make(chan struct{}, 1), pred: p, trigger: triggerOf(p)})
			full = append(full, &Watch{ready: make(chan struct{}, 1), pred: p})
		}
		dispatch(newWatcherSet(indexed), batch)
		dispatch(newWatcherSet(full), batch)
		for i := range selectors {
			got, want := indexed[i].pending, full[i].pending
			if len(got) != len(want) {
				t.Fatalf("round %d %q: %d events through the index, %d without", round, selectors[i], len(got), len(want))
			}
			for j := range got {
				if got[j].Type != want[j].Type || got[j].RV != want[j].RV || got[j].Object != want[j].Object {
					t.Fatalf("round %d %q event %d: %+v, want %+v", round, selectors[i], j, got[j], want[j])
				}
			}
		}
	}
}

// One pod event to the watchers of a thousand nodes and a few others
// (scheduler, controllers), as a cache dispatches a batch of one.
func BenchmarkDispatchOneEvent(b *testing.B) {
	var ws []*Watch
	for i := range 1000 {
		p := Predicate{Field: fields.OneTermEqualSelector("spec.nodeName", fmt.Sprint("node-", i))}
		ws = append(ws, &Watch{ready: make(chan struct{}, 1), pred: p, trigger: triggerOf(p)})
	}
	for range 4 {
		ws = append(ws, &Watch{ready: make(chan struct{}, 1)})
	}
	set := newWatcherSet(ws)
	e := &entry{key: "/pods/ns/p", obj: newObject(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "p"}}),
		fields: fieldsOf(fields.Set{"metadata.name": "p", "spec.nodeName": "node-7"})}
	batch := []*event{{typ: watch.Modified, rv: 1, cur: e, prev: e}}
	b.ReportAllocs()
	for b.Loop() {
		dispatch(set, batch)
		for _, w := range append(ws[1000:], ws[7]) {
			w.pending = w.pending[:0] // the watchers the event reached
		}
	}
}
