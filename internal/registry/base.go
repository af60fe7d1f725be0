package registry

import (
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Base is a strategy that does nothing; strategies embed it and override
// what their resource needs.
type Base struct{}

func (Base) Default(runtime.Object)                                 {}
func (Base) PrepareForCreate(runtime.Object)                        {}
func (Base) PrepareForUpdate(obj, old runtime.Object)               {}
func (Base) Validate(runtime.Object) field.ErrorList                { return nil }
func (Base) ValidateUpdate(obj, old runtime.Object) field.ErrorList { return nil }
func (Base) Fields(runtime.Object) fields.Set                       { return nil }

// structField returns the named field of the struct obj points to.
func structField(obj runtime.Object, name string) (reflect.Value, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.Elem().FieldByName(name)
	return f, f.IsValid()
}

// resetStatus clears obj.Status.
func resetStatus(obj runtime.Object) {
	if f, ok := structField(obj, "Status"); ok {
		f.Set(reflect.Zero(f.Type()))
	}
}

// copyStatus sets dst.Status to src.Status.
func copyStatus(dst, src runtime.Object) {
	d, ok1 := structField(dst, "Status")
	s, ok2 := structField(src, "Status")
	if ok1 && ok2 {
		d.Set(s)
	}
}

// specChanged reports whether anything besides metadata and status differs:
// the rule by which metadata.generation moves.
func specChanged(obj, old runtime.Object) bool {
	a, b := reflect.ValueOf(obj).Elem(), reflect.ValueOf(old).Elem()
	t := a.Type()
	for i := 0; i < t.NumField(); i++ {
		switch t.Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		if !equality.Semantic.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			return true
		}
	}
	return false
}
