package apiserver

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
)

// withoutUnchanged returns shallow copies of live and obj in which the
// top-level parts other than the metadata (spec, status, data, ...) that
// are deeply equal in both are left empty, so the field manager's
// comparison walks only what may have changed: a status write leaves a
// pod's spec, half the pod, alone. The managed fields computed from the
// copies are those of the originals: a part equal on both sides adds,
// changes and removes no field, and the managers' sets are reconciled
// with the schema, not with the values. ok is false when no part was
// left out (live and obj are then returned as they are).
//
// reflect.DeepEqual is stricter than the comparison it saves (a
// quantity's cached string, a time's location): where it says unequal,
// the part is simply compared in full.
func withoutUnchanged(live, obj runtime.Object) (l, o runtime.Object, ok bool) {
	if _, u := obj.(runtime.Unstructured); u {
		return live, obj, false
	}
	lv, ov := reflect.ValueOf(live), reflect.ValueOf(obj)
	if !lv.IsValid() || lv.Type() != ov.Type() || lv.Kind() != reflect.Pointer || lv.IsNil() || ov.IsNil() || lv.Elem().Kind() != reflect.Struct {
		return live, obj, false
	}
	t := lv.Elem().Type()
	var lc, oc reflect.Value
	for i := range t.NumField() {
		if f := t.Field(i); f.Anonymous || !f.IsExported() {
			continue // TypeMeta and ObjectMeta: managed fields, labels, owners
		}
		a, b := lv.Elem().Field(i), ov.Elem().Field(i)
		if a.IsZero() || !reflect.DeepEqual(a.Addr().Interface(), b.Addr().Interface()) {
			continue
		}
		if !lc.IsValid() {
			lc, oc = reflect.New(t), reflect.New(t)
			lc.Elem().Set(lv.Elem())
			oc.Elem().Set(ov.Elem())
		}
		lc.Elem().Field(i).SetZero()
		oc.Elem().Field(i).SetZero()
	}
	if !lc.IsValid() {
		return live, obj, false
	}
	return lc.Interface().(runtime.Object), oc.Interface().(runtime.Object), true
}
