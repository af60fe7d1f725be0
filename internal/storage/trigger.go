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

// watcherEvents are the events of a batch one watcher's trigger selects.
type watcherEvents struct {
	w      *Watch
	events []*event
}

// triggered pairs the watchers of byValue with the events of batch whose
// current or previous object has their value of field, in batch order.
func triggered(byValue map[string][]*Watch, field string, batch []*event) []watcherEvents {
	var out []watcherEvents
	var at map[*Watch]int // once out is long enough for a map to pay
	find := func(w *Watch) int {
		if at != nil {
			if i, ok := at[w]; ok {
				return i
			}
			return -1
		}
		for i := range out {
			if out[i].w == w {
				return i
			}
		}
		return -1
	}
	add := func(value string, e *event) {
		for _, w := range byValue[value] {
			i := find(w)
			if i < 0 {
				i = len(out)
				out = append(out, watcherEvents{w: w})
				if at != nil {
					at[w] = i
				} else if len(out) == 16 {
					at = make(map[*Watch]int, 64)
					for j := range out {
						at[out[j].w] = j
					}
				}
			}
			out[i].events = append(out[i].events, e)
		}
	}
	for _, e := range batch {
		cur := e.cur.fields.Get(field)
		add(cur, e)
		if e.prev != nil {
			if prev := e.prev.fields.Get(field); prev != cur {
				add(prev, e)
			}
		}
	}
	return out
}
