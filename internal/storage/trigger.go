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

// batchIndex maps, per trigger field, each value to the events of one
// batch whose current or previous object has it, in batch order. It is
// built on first use for a field.
type batchIndex struct {
	batch   []*event
	byField map[string]map[string][]*event
}

func (x *batchIndex) events(t trigger) []*event {
	if x.byField == nil {
		x.byField = map[string]map[string][]*event{}
	}
	idx, ok := x.byField[t.field]
	if !ok {
		idx = indexBatch(x.batch, t.field)
		x.byField[t.field] = idx
	}
	return idx[t.value]
}

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
