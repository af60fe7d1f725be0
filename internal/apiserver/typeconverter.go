package apiserver

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	smd "sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// trustedTypeConverter converts the server's own Go objects to typed
// values without validating them against the schema.
//
// Managed-fields tracking converts the live and the new object on every
// write; validating both was about half of that cost (7% of the server's
// CPU when pods report status). A Go struct of the schema's own type cannot
// disagree with the schema, and the field manager already tolerates
// duplicate list keys. Unstructured input (server-side apply configurations
// sent by users) still goes through the validating converter, so a bad
// apply is reported as before.
type trustedTypeConverter struct {
	managedfields.TypeConverter
	types sync.Map // schema.GroupVersionKind → typedTarget
}

type typedTarget struct {
	schema  *smd.Schema
	typeRef smd.TypeRef
}

func newTrustedTypeConverter(tc managedfields.TypeConverter) *trustedTypeConverter {
	return &trustedTypeConverter{TypeConverter: tc}
}

func (c *trustedTypeConverter) ObjectToTyped(obj runtime.Object, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	if _, ok := obj.(runtime.Unstructured); ok {
		return c.TypeConverter.ObjectToTyped(obj, opts...)
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	if t, ok := c.types.Load(gvk); ok {
		v, err := value.NewValueReflect(obj)
		if err != nil {
			return nil, err
		}
		tt := t.(typedTarget)
		return typed.AsTypedUnvalidated(v, tt.schema, tt.typeRef), nil
	}
	// The first object of a kind goes the validating way and teaches the
	// converter the kind's schema.
	tv, err := c.TypeConverter.ObjectToTyped(obj, opts...)
	if err == nil {
		c.remember(gvk, tv)
	}
	return tv, err
}

func (c *trustedTypeConverter) remember(gvk schema.GroupVersionKind, tv *typed.TypedValue) {
	c.types.Store(gvk, typedTarget{schema: tv.Schema(), typeRef: tv.TypeRef()})
}
