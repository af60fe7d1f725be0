package storage

import (
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// attrList is an object's labels or selectable fields as the watch cache
// keeps them. The cache holds one of each for every object and every
// version in its event window, most of them cold, so they are built to
// cost little once the decoded object is gone: the keys, sorted, are a
// list shared by every object with the same keys (all of a resource's
// objects have the same fields, a Deployment's pods the same labels), and
// the values one string, each value preceded by its length (uvarint).
// Taken from the decoded object's maps as they are, a pod's would keep
// the labels map and a string per value alive, a dozen or more small
// allocations and ~800 bytes per version; packed, a string of ~130.
//
// *attrList serves as labels.Labels and fields.Fields (a pointer, so
// that passing it as one does not allocate).
type attrList struct {
	keys *keyList
	vals string
}

// keyList is a sorted list of keys, backed by one string.
type keyList struct{ names []string }

var (
	_ fields.Fields = (*attrList)(nil)
	_ labels.Labels = (*attrList)(nil)
)

func (l *attrList) Len() int {
	if l.keys == nil {
		return 0
	}
	return len(l.keys.names)
}

func (l *attrList) Has(key string) bool {
	_, ok := l.Lookup(key)
	return ok
}

func (l *attrList) Get(key string) string {
	v, _ := l.Lookup(key)
	return v
}

func (l *attrList) Lookup(key string) (string, bool) {
	if l.keys == nil {
		return "", false
	}
	names := l.keys.names
	i := sort.SearchStrings(names, key)
	if i == len(names) || names[i] != key {
		return "", false
	}
	v, rest := "", l.vals
	for range i + 1 {
		v, rest = nextValue(rest)
	}
	return v, true
}

// each calls fn with the pairs in key order.
func (l *attrList) each(fn func(k, v string) bool) {
	rest := l.vals
	for i := range l.Len() {
		var v string
		v, rest = nextValue(rest)
		if !fn(l.keys.names[i], v) {
			return
		}
	}
}

// equals reports whether l holds exactly the pairs of m.
func (l *attrList) equals(m map[string]string) bool {
	if l.Len() != len(m) {
		return false
	}
	eq := true
	l.each(func(k, v string) bool {
		w, ok := m[k]
		eq = ok && w == v
		return eq
	})
	return eq
}

// nextValue splits the first value off vals.
func nextValue(vals string) (string, string) {
	n, i, shift := 0, 0, 0
	for ; i < len(vals); i++ {
		b := vals[i]
		n |= int(b&0x7f) << shift
		if b < 0x80 {
			i++
			break
		}
		shift += 7
	}
	return vals[i : i+n], vals[i+n:]
}

func appendLength(b *strings.Builder, n int) {
	for n >= 0x80 {
		b.WriteByte(byte(n) | 0x80)
		n >>= 7
	}
	b.WriteByte(byte(n))
}

func lengthSize(n int) int {
	s := 1
	for ; n >= 0x80; n >>= 7 {
		s++
	}
	return s
}

// maxKeyLists bounds the key lists a packer shares (label keys are the
// user's); past it, new lists belong to one object each.
const maxKeyLists = 1024

// packer builds the entries' lists. It belongs to one cacher's goroutine.
type packer struct {
	// keyLists are the shared key lists by their keys joined with NUL.
	keyLists map[string]*keyList
}

// pack returns the labels and fields as lists. A version whose labels or
// fields equal its predecessor's (prev, if any) shares that list: most
// updates change neither. New lists' values share one string.
func (p *packer) pack(l labels.Set, f fields.Set, prev *entry) (attrList, attrList) {
	var prevL, prevF attrList
	if prev != nil {
		prevL, prevF = prev.labels, prev.fields
	}
	newL, newF := !prevL.equals(l), !prevF.equals(f)
	ll, fl := prevL, prevF
	if newL {
		ll = attrList{keys: p.keys(l, prevL.keys)}
	}
	if newF {
		fl = attrList{keys: p.keys(f, prevF.keys)}
	}
	if !newL && !newF {
		return ll, fl
	}
	sizeL, sizeF := 0, 0
	if newL {
		sizeL = valuesSize(ll.keys, l)
	}
	if newF {
		sizeF = valuesSize(fl.keys, f)
	}
	var b strings.Builder
	b.Grow(sizeL + sizeF)
	if newL {
		writeValues(&b, ll.keys, l)
	}
	if newF {
		writeValues(&b, fl.keys, f)
	}
	vals := b.String()
	if newL {
		ll.vals, vals = vals[:sizeL], vals[sizeL:]
	}
	if newF {
		fl.vals = vals
	}
	return ll, fl
}

func valuesSize(k *keyList, m map[string]string) int {
	if k == nil {
		return 0
	}
	n := 0
	for _, name := range k.names {
		v := m[name]
		n += lengthSize(len(v)) + len(v)
	}
	return n
}

func writeValues(b *strings.Builder, k *keyList, m map[string]string) {
	if k == nil {
		return
	}
	for _, name := range k.names {
		v := m[name]
		appendLength(b, len(v))
		b.WriteString(v)
	}
}

// keys returns the key list of m: prev when m has the same keys, else the
// shared list with m's keys.
func (p *packer) keys(m map[string]string, prev *keyList) *keyList {
	if len(m) == 0 {
		return nil
	}
	if prev != nil && len(prev.names) == len(m) {
		same := true
		for _, k := range prev.names {
			if _, ok := m[k]; !ok {
				same = false
				break
			}
		}
		if same {
			return prev
		}
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	joined := strings.Join(names, "\x00")
	if k, ok := p.keyLists[joined]; ok && slices.Equal(k.names, names) {
		return k // (unequal only for keys with NUL, which validation rejects)
	}
	// The names become slices of joined, which the list keeps (a copy:
	// Join returns a single name as it is, the object's own string).
	if len(names) == 1 {
		joined = strings.Clone(joined)
	}
	at := 0
	for i, n := range names {
		names[i], at = joined[at:at+len(n)], at+len(n)+1
	}
	k := &keyList{names: names}
	if _, taken := p.keyLists[joined]; !taken && len(p.keyLists) < maxKeyLists {
		if p.keyLists == nil {
			p.keyLists = map[string]*keyList{}
		}
		p.keyLists[joined] = k
	}
	return k
}
