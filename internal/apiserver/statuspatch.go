package apiserver

import (
	"encoding/json"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// onlyStatusPatch reports whether patch, a merge or strategic merge patch
// of the status subresource, names nothing but metadata and status. Such
// a patch needs to see only those two parts of the object (statusPart):
// a status write keeps nothing of the patched object but its metadata's
// checks and a few of its fields, and its status (registry statusOnly);
// the rest comes from the stored object. Both kinds of patch change each
// top-level key from that key's value alone, so metadata and status come
// out as from the whole object. Decided once per request, not on every
// compare-and-swap attempt.
func onlyStatusPatch(sub string, pt types.PatchType, patch []byte) bool {
	if sub != "status" || (pt != types.MergePatchType && pt != types.StrategicMergePatchType) {
		return false
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(patch, &keys) != nil {
		return false
	}
	for k := range keys {
		if k != "metadata" && k != "status" {
			return false
		}
	}
	return true
}

// statusPart is a shallow copy of a typed object with only its apiVersion,
// kind, metadata and status: the other top-level parts (a pod's spec,
// half its JSON) stay out of the patch's JSON round trip. Any other
// object is returned as it is.
func statusPart(cur runtime.Object) runtime.Object {
	if _, ok := cur.(runtime.Unstructured); ok {
		return cur
	}
	v := reflect.ValueOf(cur)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return cur
	}
	t := v.Elem().Type()
	out := reflect.New(t)
	kept := 0
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		inline := f.Anonymous && name == "" // TypeMeta: apiVersion and kind
		if inline || name == "metadata" || name == "status" {
			out.Elem().Field(i).Set(v.Elem().Field(i))
			kept++
		}
	}
	if kept == t.NumField() {
		return cur // nothing to leave out
	}
	return out.Interface().(runtime.Object)
}
