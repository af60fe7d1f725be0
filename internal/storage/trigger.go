package storage

import (
	"k8s.io/apimachinery/pkg/selection"
)

// A trigger is the exact field value a watcher selects on (a kubelet's
// spec.nodeName=<node>). Dispatch hands such a watcher only the events
// whose object had or has that value, instead of testing every event
// against every watcher: with a thousand nodes that test was the largest
// part of dispatching a pod event. Upstream's watch cache indexes pod
// watchers by spec.nodeName for the same reason.
type trigger struct{ field, value string }

// triggerOf picks the first equality requirement of p's field selector.
func triggerOf(p Predicate) trigger {
	if p.Field == nil {
		return trigger{}
	}
	for _, r := range p.Field.Requirements() {
		if r.Operator == selection.Equals || r.Operator == selection.DoubleEquals {
			return trigger{r.Field, r.Value}
		}
	}
	return trigger{}
}

// watcherSet is the watchers as dispatch reads them, shared until they
// change (dispatch reads it outside the lock; it is never modified): a
// cache with a thousand watchers applies events far more often than
// watchers come and go. Watchers with a trigger are found by the field
// values of each event, so dispatching an event costs the watchers it
// concerns, not every node's.
type watcherSet struct {
	all     []*Watch                       // without a trigger: every event is tested
	byField map[string]map[string][]*Watch // with one: by its field and value
}

func newWatcherSet(ws []*Watch) *watcherSet {
	s := &watcherSet{byField: map[string]map[string][]*Watch{}}
	for _, w := range ws {
		t := w.trigger
		if t.field == "" {
			s.all = append(s.all, w)
			continue
		}
		byValue := s.byField[t.field]
		if byValue == nil {
			byValue = map[string][]*Watch{}
			s.byField[t.field] = byValue
		}
		byValue[t.value] = append(byValue[t.value], w)
	}
	return s
}

// indexBatch maps each value of field that the current or previous
// object of an event in batch has to those events, in batch order. A
// watcher has one trigger value, so its events are those of its value.
func indexBatch(batch []*event, field string) map[string][]*event {
	idx := map[string][]*event{}
	for _, e := range batch {
		cur := e.cur.fields.Get(field)
		idx[cur] = append(idx[cur], e)
		if e.prev != nil {
			if prev := e.prev.fields.Get(field); prev != cur {
				idx[prev] = append(idx[prev], e)
			}
		}
	}
	return idx
}
