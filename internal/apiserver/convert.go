package apiserver

import (
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"orca/internal/registry"
	"orca/internal/registry/printers"
)

// converter turns a resource's objects into the alternative forms clients
// ask for with Accept "as=": Table (kubectl get) and PartialObjectMetadata
// (metadata-only informers).
type converter struct {
	res *registry.Resource
}

var metaV1 = metav1.SchemeGroupVersion

func (c *converter) allowAs(as, group, version string) bool {
	if c == nil || group != "meta.k8s.io" || (version != "v1" && version != "v1beta1") {
		return false
	}
	switch as {
	case "Table", "PartialObjectMetadata", "PartialObjectMetadataList":
		return true
	}
	return false
}

func (c *converter) convert(obj runtime.Object, t target, r *http.Request) (runtime.Object, error) {
	if _, isStatus := obj.(*metav1.Status); isStatus {
		return obj, nil
	}
	switch t.As {
	case "Table":
		return c.table(obj, r)
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		return c.partial(obj, t)
	}
	return obj, nil
}

func items(obj runtime.Object) ([]runtime.Object, bool) {
	if !meta.IsListType(obj) {
		return []runtime.Object{obj}, false
	}
	list, err := meta.ExtractList(obj)
	if err != nil {
		return nil, true
	}
	return list, true
}

func (c *converter) table(obj runtime.Object, r *http.Request) (runtime.Object, error) {
	objs, isList := items(obj)
	p, ok := printers.For(c.res.Group, c.res.Resource)
	if !ok {
		p = printers.Default
	}
	q := r.URL.Query()
	tbl, err := printers.Table(p, objs, time.Now(), q.Get("noHeaders") == "true")
	if err != nil {
		return nil, err
	}
	include := q.Get("includeObject")
	for i := range tbl.Rows {
		switch include {
		case "None":
		case "Object":
			tbl.Rows[i].Object = runtime.RawExtension{Object: objs[i]}
		case "", "Metadata":
			tbl.Rows[i].Object = runtime.RawExtension{Object: partialOf(objs[i])}
		default:
			return nil, apierrors.NewBadRequest("includeObject must be one of None, Metadata, Object")
		}
	}
	if isList {
		if lm, err := meta.ListAccessor(obj); err == nil {
			tbl.ResourceVersion, tbl.Continue, tbl.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
		}
	} else if m, err := meta.Accessor(obj); err == nil {
		tbl.ResourceVersion = m.GetResourceVersion()
	}
	tbl.SetGroupVersionKind(metaV1.WithKind("Table"))
	return tbl, nil
}

func partialOf(obj runtime.Object) *metav1.PartialObjectMetadata {
	p := &metav1.PartialObjectMetadata{}
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if om, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok {
			p.ObjectMeta = *om
		}
	}
	p.SetGroupVersionKind(metaV1.WithKind("PartialObjectMetadata"))
	return p
}

func (c *converter) partial(obj runtime.Object, t target) (runtime.Object, error) {
	objs, isList := items(obj)
	if !isList {
		if t.As != "PartialObjectMetadata" {
			return nil, notAcceptable("as=PartialObjectMetadata")
		}
		return partialOf(obj), nil
	}
	if t.As != "PartialObjectMetadataList" {
		return nil, notAcceptable("as=PartialObjectMetadataList")
	}
	out := &metav1.PartialObjectMetadataList{}
	out.SetGroupVersionKind(metaV1.WithKind("PartialObjectMetadataList"))
	if lm, err := meta.ListAccessor(obj); err == nil {
		out.ResourceVersion, out.Continue, out.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
	}
	for _, o := range objs {
		out.Items = append(out.Items, *partialOf(o))
	}
	return out, nil
}
