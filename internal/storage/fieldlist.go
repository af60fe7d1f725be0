package storage

import (
	"sort"

	"k8s.io/apimachinery/pkg/fields"
)

// fieldList is an object's selectable fields as the watch cache keeps
// them: a sorted slice of pairs whose strings share the object's memory.
// A fields.Set (a map) costs several times as much per object, and the
// cache holds one for every object and every event in its window.
type fieldList []fieldPair

type fieldPair struct{ key, value string }

var _ fields.Fields = fieldList(nil)

func compactFields(s fields.Set) fieldList {
	if len(s) == 0 {
		return nil
	}
	l := make(fieldList, 0, len(s))
	for k, v := range s {
		l = append(l, fieldPair{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].key < l[j].key })
	return l
}

func (l fieldList) find(key string) (int, bool) {
	i := sort.Search(len(l), func(i int) bool { return l[i].key >= key })
	return i, i < len(l) && l[i].key == key
}

func (l fieldList) Has(key string) bool {
	_, ok := l.find(key)
	return ok
}

func (l fieldList) Get(key string) string {
	if i, ok := l.find(key); ok {
		return l[i].value
	}
	return ""
}
