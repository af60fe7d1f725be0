package proxy

import (
	"slices"
	"sort"
	"time"

	"sigs.k8s.io/knftables"
)

// state is the table's per-Service content, by "namespace/name": what was
// last written, or what should be.
type state map[string]*serviceRules

// written reports what a transaction did to per-Service chains: which it
// (re)wrote, and which it emptied because nothing uses them any more.
// Those are deleted by a later transaction: kernels before 6.2 still see
// a chain as referenced for a moment after the map element pointing at it
// is removed, so deleting it in the same transaction could fail.
type written struct {
	chains []string
	stale  []string
}

// writeFull writes the whole table: fixed chains and maps, every Service,
// and empties the per-Service chains and affinity sets the kernel has
// (existingChains, existingSets) that st no longer uses.
func writeFull(tx *knftables.Transaction, p Params, st state, existingChains, existingSets []string) written {
	var w written
	tx.Add(&knftables.Table{Comment: knftables.PtrTo("orca Service proxy")})
	bases := baseChains()
	for _, bc := range bases {
		tx.Add(&knftables.Chain{Name: bc.name, Type: knftables.PtrTo(bc.typ), Hook: knftables.PtrTo(bc.hook), Priority: knftables.PtrTo(bc.priority)})
		tx.Flush(&knftables.Chain{Name: bc.name})
	}
	fixed := fixedChains(p)
	for _, c := range fixed {
		tx.Add(&knftables.Chain{Name: c.name})
		tx.Flush(&knftables.Chain{Name: c.name})
	}
	for _, m := range fixedMaps() {
		tx.Add(m)
		tx.Flush(flushObject(m))
	}
	keys := sortedKeys(st)
	wantChains, wantSets := map[string]bool{}, map[string]bool{}
	for _, k := range keys {
		for _, s := range st[k].affinity {
			addAffinitySet(tx, s)
			wantSets[s.name] = true
		}
		for _, c := range st[k].chains {
			tx.Add(&knftables.Chain{Name: c.name})
			wantChains[c.name] = true
			w.chains = append(w.chains, c.name)
		}
	}
	for _, k := range keys {
		for _, c := range st[k].chains {
			writeChain(tx, c)
		}
	}
	for _, c := range fixed {
		addRules(tx, c.name, c.rules)
	}
	for _, bc := range bases {
		addRules(tx, bc.name, bc.rules)
	}
	for _, e := range elementsOf(st).sorted() {
		tx.Add(e)
	}
	for _, name := range existingChains {
		if isServiceChain(name) && !wantChains[name] {
			tx.Flush(&knftables.Chain{Name: name})
			w.stale = append(w.stale, name)
		}
	}
	for _, name := range existingSets {
		if isAffinitySet(name) && !wantSets[name] {
			tx.Delete(&knftables.Set{Name: name})
		}
	}
	return w
}

// writePartial writes the difference between old and new, whose Services
// differ only in changed: the chains of those Services that changed, and
// the map and set elements that differ.
func writePartial(tx *knftables.Transaction, old, new state, changed []string) written {
	var w written
	var rewrite []chain
	var goneChains []string
	var goneSets []affinitySet
	for _, k := range changed {
		o, n := old[k], new[k]
		oldChains, oldSets := o.chainIndex(), o.setIndex()
		newChains := n.chainIndex()
		for _, s := range n.sets() {
			if !oldSets[s.name] {
				addAffinitySet(tx, s)
			}
		}
		for _, c := range n.chainList() {
			if rules, ok := oldChains[c.name]; ok && slices.Equal(rules, c.rules) {
				continue
			}
			tx.Add(&knftables.Chain{Name: c.name})
			rewrite = append(rewrite, c)
			w.chains = append(w.chains, c.name)
		}
		for _, c := range o.chainList() {
			if _, ok := newChains[c.name]; !ok {
				goneChains = append(goneChains, c.name)
			}
		}
		newSets := n.setIndex()
		for _, s := range o.sets() {
			if !newSets[s.name] {
				goneSets = append(goneSets, s)
			}
		}
	}
	oldElems, newElems := elementsOf(old), elementsOf(new)
	for _, e := range oldElems.sorted() {
		if n, ok := newElems[elementID(e)]; !ok || !sameElement(e, n) {
			tx.Delete(&knftables.Element{Map: e.Map, Set: e.Set, Key: e.Key})
		}
	}
	for _, c := range rewrite {
		writeChain(tx, c)
	}
	for _, e := range newElems.sorted() {
		if o, ok := oldElems[elementID(e)]; !ok || !sameElement(o, e) {
			tx.Add(e)
		}
	}
	for _, name := range goneChains {
		tx.Flush(&knftables.Chain{Name: name})
		w.stale = append(w.stale, name)
	}
	for _, s := range goneSets {
		tx.Delete(&knftables.Set{Name: s.name})
	}
	return w
}

// deleteStale deletes the chains emptied at least grace ago; it returns
// their names.
func deleteStale(tx *knftables.Transaction, stale map[string]time.Time, now time.Time, grace time.Duration) []string {
	var names []string
	for name, since := range stale {
		if now.Sub(since) >= grace {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		tx.Delete(&knftables.Chain{Name: name})
	}
	return names
}

func addAffinitySet(tx *knftables.Transaction, s affinitySet) {
	tx.Add(&knftables.Set{
		Name: s.name,
		Type: "ipv4_addr",
		// The kernel adds "dynamic" to sets updated from the packet
		// path; without it here, the next add would differ.
		Flags:   []knftables.SetFlag{knftables.DynamicFlag, knftables.TimeoutFlag},
		Timeout: knftables.PtrTo(time.Duration(s.timeout) * time.Second),
	})
}

func writeChain(tx *knftables.Transaction, c chain) {
	tx.Flush(&knftables.Chain{Name: c.name})
	addRules(tx, c.name, c.rules)
}

func addRules(tx *knftables.Transaction, chainName string, rules []string) {
	for _, r := range rules {
		tx.Add(&knftables.Rule{Chain: chainName, Rule: r})
	}
}

// elements indexes the table's map and set elements by elementID.
type elements map[string]*knftables.Element

// elementsOf merges the Services' elements. Two Services may claim the
// same key (one external IP and port in both): the first by name wins,
// as in a full rewrite, so partial and full writes agree.
func elementsOf(st state) elements {
	idx := elements{}
	for _, k := range sortedKeys(st) {
		for _, e := range st[k].elements {
			id := elementID(e)
			if _, ok := idx[id]; !ok {
				idx[id] = e
			}
		}
	}
	return idx
}

func (idx elements) sorted() []*knftables.Element {
	ids := make([]string, 0, len(idx))
	for id := range idx {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]*knftables.Element, len(ids))
	for i, id := range ids {
		out[i] = idx[id]
	}
	return out
}

func sameElement(a, b *knftables.Element) bool {
	return slices.Equal(a.Value, b.Value) && (a.Comment == nil) == (b.Comment == nil) &&
		(a.Comment == nil || *a.Comment == *b.Comment)
}

func sortedKeys(st state) []string {
	keys := make([]string, 0, len(st))
	for k, r := range st {
		if r != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// The accessors below treat a nil *serviceRules as a Service with no rules.

func (r *serviceRules) chainList() []chain {
	if r == nil {
		return nil
	}
	return r.chains
}

func (r *serviceRules) sets() []affinitySet {
	if r == nil {
		return nil
	}
	return r.affinity
}

func (r *serviceRules) chainIndex() map[string][]string {
	idx := map[string][]string{}
	for _, c := range r.chainList() {
		idx[c.name] = c.rules
	}
	return idx
}

func (r *serviceRules) setIndex() map[string]bool {
	idx := map[string]bool{}
	for _, s := range r.sets() {
		idx[s.name] = true
	}
	return idx
}
