package storage

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// fieldsOf packs m as an entry's fields.
func fieldsOf(m fields.Set) attrList {
	var p packer
	_, f := p.pack(nil, m, nil)
	return f
}

func TestAttrListMatchesLikeSet(t *testing.T) {
	set := fields.Set{"spec.nodeName": "n1", "status.phase": "Running", "metadata.name": "p", "spec.hostNetwork": "false",
		"status.podIP": "", "long": strings.Repeat("v", 300)}
	list := fieldsOf(set)
	for _, sel := range []string{
		"spec.nodeName=n1", "spec.nodeName!=n1", "spec.nodeName=n2", "spec.nodeName=",
		"status.phase=Running,spec.nodeName=n1", "status.phase!=Succeeded,status.phase!=Failed",
		"metadata.name=p", "spec.schedulerName=", "spec.schedulerName!=x", "spec.hostNetwork=false",
		"status.podIP=", "status.podIP!=", "long=" + strings.Repeat("v", 300), "long=v",
	} {
		s, err := fields.ParseSelector(sel)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Matches(&list), s.Matches(set); got != want {
			t.Errorf("%q: attrList matches %v, fields.Set %v", sel, got, want)
		}
	}
	for k, v := range set {
		if !list.Has(k) || list.Get(k) != v {
			t.Errorf("%s: Has %v Get %q, want %q", k, list.Has(k), list.Get(k), v)
		}
	}
	if list.Has("spec.other") || list.Get("spec.other") != "" || list.Has("") {
		t.Error("a missing field is reported present")
	}
	if !list.equals(set) || list.Len() != len(set) {
		t.Error("the list does not equal its set")
	}
	empty := fieldsOf(nil)
	if empty.Has("x") || empty.Len() != 0 || !empty.equals(nil) {
		t.Error("empty list has a field")
	}

	ls := labels.Set{"app": "web", "tier": "", "pod-template-hash": "5d8f"}
	var p packer
	ll, _ := p.pack(ls, nil, nil)
	for _, sel := range []string{"app=web", "app!=web", "app in (web,db)", "app notin (web)", "tier", "!tier", "tier=",
		"pod-template-hash=5d8f,app=web", "missing", "!missing", "missing!=x", "app=web,missing"} {
		s, err := labels.Parse(sel)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Matches(&ll), s.Matches(ls); got != want {
			t.Errorf("%q: attrList matches %v, labels.Set %v", sel, got, want)
		}
	}
}

// The lists a packer builds hold no string of the maps they came from
// (the decoded object, which goes away when its version goes cold); the
// values of one version share one string, and objects with the same keys
// share one key list.
func TestPackCopiesStrings(t *testing.T) {
	name, app := string([]byte("web-1")), string([]byte("app"))
	var p packer
	ll, fl := p.pack(labels.Set{app: string([]byte("web"))}, fields.Set{"metadata.name": name, "spec.nodeName": "node-7"}, nil)
	if ll.Get("app") != "web" || fl.Get("metadata.name") != "web-1" || fl.Get("spec.nodeName") != "node-7" {
		t.Fatalf("lists %+v %+v", ll, fl)
	}
	if unsafe.StringData(fl.Get("metadata.name")) == unsafe.StringData(name) || unsafe.StringData(ll.keys.names[0]) == unsafe.StringData(app) {
		t.Error("a packed string is the map's own")
	}
	// Labels then fields values, in one string.
	if got, want := uintptr(unsafe.Pointer(unsafe.StringData(fl.vals))), uintptr(unsafe.Pointer(unsafe.StringData(ll.vals)))+uintptr(len(ll.vals)); got != want {
		t.Error("the labels' and fields' values are not one string")
	}
	ll2, fl2 := p.pack(labels.Set{"app": "db"}, fields.Set{"metadata.name": "db-1", "spec.nodeName": "n"}, nil)
	if ll2.keys != ll.keys || fl2.keys != fl.keys {
		t.Error("objects with the same keys do not share the key list")
	}
	if ll2.Get("app") != "db" || ll.Get("app") != "web" {
		t.Error("values mixed up")
	}
}

// A version shares its predecessor's labels and fields that did not
// change, and only those.
func TestPackSharesUnchangedLists(t *testing.T) {
	var p packer
	fs := fields.Set{"metadata.name": "web-1", "spec.nodeName": ""}
	l1, f1 := p.pack(labels.Set{"app": "web"}, fs, nil)
	prev := &entry{labels: l1, fields: f1}
	same := func(a, b attrList) bool {
		return a.keys == b.keys && unsafe.StringData(a.vals) == unsafe.StringData(b.vals)
	}

	l2, f2 := p.pack(labels.Set{"app": "web"}, fields.Set{"metadata.name": "web-1", "spec.nodeName": ""}, prev)
	if !same(l2, l1) || !same(f2, f1) {
		t.Error("an unchanged version does not share its lists")
	}
	l3, f3 := p.pack(labels.Set{"app": "web"}, fields.Set{"metadata.name": "web-1", "spec.nodeName": "n1"}, prev)
	if !same(l3, l1) || same(f3, f1) || f3.Get("spec.nodeName") != "n1" || f1.Get("spec.nodeName") != "" || f3.keys != f1.keys {
		t.Errorf("bound: labels shared %v, fields shared %v (want true, false), node %q", same(l3, l1), same(f3, f1), f3.Get("spec.nodeName"))
	}
	l4, f4 := p.pack(labels.Set{"app": "web", "v": "2"}, fs, prev)
	if same(l4, l1) || !same(f4, f1) || l4.Get("v") != "2" || l4.Len() != 2 {
		t.Errorf("relabelled: labels %+v shared %v, fields shared %v", l4, same(l4, l1), same(f4, f1))
	}
	// A label removed is a change, though every remaining pair matches.
	l5, _ := p.pack(labels.Set{}, fs, &entry{labels: l4, fields: f1})
	if l5.Len() != 0 || l5.Has("app") {
		t.Errorf("labels %+v, want none", l5)
	}
	// The same number of keys, one renamed.
	l6, _ := p.pack(labels.Set{"app": "web", "w": "2"}, fs, &entry{labels: l4, fields: f1})
	if l6.Has("v") || l6.Get("w") != "2" {
		t.Errorf("renamed label: %v", l6.keys.names)
	}
}

// Past maxKeyLists different key sets, new ones are not shared, and
// lookups still work.
func TestPackBeyondSharedKeyLists(t *testing.T) {
	var p packer
	for i := range maxKeyLists + 10 {
		k := fmt.Sprint("key-", i)
		ll, _ := p.pack(labels.Set{k: "v", "app": "x"}, nil, nil)
		if ll.Get(k) != "v" || ll.Get("app") != "x" || !ll.Has(k) || ll.Has("key-x") {
			t.Fatalf("object %d: %+v", i, ll)
		}
	}
	if len(p.keyLists) != maxKeyLists {
		t.Errorf("%d shared key lists, want %d", len(p.keyLists), maxKeyLists)
	}
}

// Matching a selector against a cached entry allocates nothing.
func TestAttrListMatchDoesNotAllocate(t *testing.T) {
	var p packer
	l, f := p.pack(labels.Set{"app": "web"}, fields.Set{"spec.nodeName": "n1", "metadata.name": "p"}, nil)
	e := &entry{labels: l, fields: f}
	pred := Predicate{Label: labels.SelectorFromSet(labels.Set{"app": "web"}), Field: fields.OneTermEqualSelector("spec.nodeName", "n1")}
	if n := testing.AllocsPerRun(100, func() {
		if !pred.matches(&e.labels, &e.fields) {
			t.Fatal("no match")
		}
	}); n != 0 {
		t.Errorf("%v allocations per match", n)
	}
}
