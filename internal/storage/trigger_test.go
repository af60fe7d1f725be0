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
// without an exact spec.nodeName.
func TestTriggeredDispatchEqualsFullDispatch(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	nodes := []string{"", "a", "b", "c"}
	selectors := []string{"spec.nodeName=a", "spec.nodeName=", "spec.nodeName==b", "spec.nodeName!=a",
		"status.phase=Running,spec.nodeName=c", "spec.nodeName=a,status.phase!=Failed", "status.phase=Running", ""}
	entryOn := func(name, node, phase string) *entry {
		return &entry{key: "/pods/ns/" + name, obj: newObject(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}), fields: fieldsOf(fields.Set{
			"metadata.name": name, "spec.nodeName": node, "status.phase": phase})}
	}
	for round := 0; round < 200; round++ {
		var batch []*event
		for i := 0; i < 1+rng.Intn(8); i++ {
			name := fmt.Sprint("p", rng.Intn(4))
			phase := []string{"Pending", "Running", "Failed"}[rng.Intn(3)]
			e := &event{typ: watch.Modified, rv: uint64(i + 1), cur: entryOn(name, nodes[rng.Intn(4)], phase)}
			switch rng.Intn(3) {
			case 0:
				e.typ = watch.Added
			case 1:
				e.prev = entryOn(name, nodes[rng.Intn(4)], phase)
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
		dispatch(indexed, batch)
		dispatch(full, batch)
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
	if tr := triggerOf(Predicate{Field: fields.OneTermEqualSelector("spec.nodeName", "a")}); tr != (trigger{"spec.nodeName", "a"}) {
		t.Errorf("trigger %+v", tr)
	}
	if tr := triggerOf(Predicate{Field: fields.OneTermNotEqualSelector("spec.nodeName", "a")}); tr != (trigger{}) {
		t.Errorf("a != selector has trigger %+v", tr)
	}
}
