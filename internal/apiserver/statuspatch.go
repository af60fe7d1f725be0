package apiserver

import (
	"encoding/json"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// narrowToStatus returns the part of cur a merge or strategic merge patch
// of the status subresource needs to see: a status write keeps nothing of
// the patched object but its metadata's checks and a few of its fields,
// and its status (registry statusOnly); the rest comes from the stored
// object. So when the patch names nothing but metadata and status, the
// other top-level parts (a pod's spec, half its JSON) are left out of the
// patch's JSON round trip: the copy returned has them empty. Both kinds of
// patch change each top-level key from that key's value alone, so
// metadata and status come out as from the whole object. Otherwise cur
// itself is returned.
func narrowToStatus(cur runtime.Object, sub string, pt types.PatchType, patch []byte) runtime.Object {
	if sub != "status" || (pt != types.MergePatchType && pt != types.StrategicMergePatchType) {
		return cur
	}
	if _, ok := cur.(runtime.Unstructured); ok {
		return cur
	}
	v := reflect.ValueOf(cur)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return cur
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(patch, &keys) != nil {
		return cur
	}
	for k := range keys {
		if k != "metadata" && k != "status" {
			return cur
		}
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
