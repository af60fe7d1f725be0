package registry

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"orca/internal/storage"
)

// Versioned serves a resource at a version other than the one it is
// stored at, converting on the way in and out (autoscaling/v1 HPAs over
// v2 storage, events.k8s.io/v1 Events over core/v1 storage).
type Versioned struct {
	res  *Resource
	base *REST
}

func NewVersioned(res *Resource, base *REST) *Versioned { return &Versioned{res: res, base: base} }

func (v *Versioned) out(obj runtime.Object, err error) (runtime.Object, error) {
	if err != nil {
		return nil, err
	}
	conv, err := v.res.FromStorage(obj)
	if err != nil {
		return nil, err
	}
	conv.GetObjectKind().SetGroupVersionKind(v.res.GVK())
	return conv, nil
}

func (v *Versioned) Get(ctx context.Context, ns, name string, opts metav1.GetOptions) (runtime.Object, error) {
	return v.out(v.base.Get(ctx, ns, name, opts))
}

func (v *Versioned) List(ctx context.Context, ns string, opts storage.ListOptions) (runtime.Object, error) {
	list, err := v.base.List(ctx, ns, opts)
	if err != nil {
		return nil, err
	}
	items, _ := meta.ExtractList(list)
	conv := make([]runtime.Object, 0, len(items))
	for _, it := range items {
		c, err := v.out(it, nil)
		if err != nil {
			return nil, err
		}
		conv = append(conv, c)
	}
	out := v.res.NewList()
	if err := meta.SetList(out, conv); err != nil {
		return nil, err
	}
	lm, _ := meta.ListAccessor(list)
	om, _ := meta.ListAccessor(out)
	om.SetResourceVersion(lm.GetResourceVersion())
	om.SetContinue(lm.GetContinue())
	om.SetRemainingItemCount(lm.GetRemainingItemCount())
	out.GetObjectKind().SetGroupVersionKind(v.res.GVK().GroupVersion().WithKind(v.res.Kind + "List"))
	return out, nil
}

func (v *Versioned) Watch(ctx context.Context, ns string, opts storage.ListOptions) (*storage.Watch, error) {
	return v.base.Watch(ctx, ns, opts)
}

func (v *Versioned) Create(ctx context.Context, ns string, obj runtime.Object, opts WriteOptions) (runtime.Object, error) {
	v.res.Strategy.Default(obj)
	st, err := v.res.ToStorage(obj)
	if err != nil {
		return nil, err
	}
	return v.out(v.base.Create(ctx, ns, st, opts))
}

func (v *Versioned) Update(ctx context.Context, ns, name, sub string, fn NewObjectFunc, opts WriteOptions) (runtime.Object, bool, error) {
	out, created, err := v.base.Update(ctx, ns, name, sub, func(ctx context.Context, cur runtime.Object) (runtime.Object, error) {
		var mine runtime.Object
		if cur != nil {
			var err error
			if mine, err = v.out(cur, nil); err != nil {
				return nil, err
			}
		}
		next, err := fn(ctx, mine)
		if err != nil {
			return nil, err
		}
		return v.res.ToStorage(next)
	}, opts)
	if err != nil {
		return nil, false, err
	}
	conv, err := v.out(out, nil)
	return conv, created, err
}

func (v *Versioned) Delete(ctx context.Context, ns, name string, opts metav1.DeleteOptions) (runtime.Object, bool, error) {
	out, deleted, err := v.base.Delete(ctx, ns, name, opts)
	if err != nil {
		return nil, false, err
	}
	conv, err := v.out(out, nil)
	return conv, deleted, err
}

func (v *Versioned) DeleteCollection(ctx context.Context, ns string, lopts storage.ListOptions, opts metav1.DeleteOptions) (runtime.Object, error) {
	list, err := v.base.DeleteCollection(ctx, ns, lopts, opts)
	if err != nil {
		return nil, err
	}
	return list, nil
}
