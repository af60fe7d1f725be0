package registry

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Attrs returns an object's labels and every selectable field.
func (r *Resource) Attrs(obj runtime.Object) (labels.Set, fields.Set) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil
	}
	f := fields.Set{"metadata.name": m.GetName()}
	if r.Namespaced {
		f["metadata.namespace"] = m.GetNamespace()
	}
	for k, v := range r.Strategy.Fields(obj) {
		f[k] = v
	}
	return labels.Set(m.GetLabels()), f
}

// SelectableFields lists the fields a field selector may name.
func SelectableFields(r *Resource) fields.Set {
	_, f := r.Attrs(r.New())
	if !r.Namespaced {
		f["metadata.namespace"] = ""
	}
	return f
}
