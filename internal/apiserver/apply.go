package apiserver

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/yaml"

	"orca/internal/registry"
)

// fieldManager adapts apimachinery's managedfields to the registry: one
// manager for the main resource and one for its status subresource, each
// resetting the fields the other owns.
type fieldManager struct {
	main, status *managedfields.FieldManager
}

func newFieldManager(tc managedfields.TypeConverter, res *registry.Resource, c *codecs) (*fieldManager, error) {
	gvk := res.GVK()
	ver := fieldpath.APIVersion(gvk.GroupVersion().String())
	statusPath := fieldpath.NewSet(fieldpath.MakePathOrDie("status"))
	var mainReset, statusReset map[fieldpath.APIVersion]fieldpath.Filter
	if res.Status {
		mainReset = map[fieldpath.APIVersion]fieldpath.Filter{ver: fieldpath.NewExcludeSetFilter(statusPath)}
		statusReset = map[fieldpath.APIVersion]fieldpath.Filter{ver: fieldpath.NewIncludeMatcherFilter(fieldpath.MakePrefixMatcherOrDie("status"))}
	}
	def := defaulter{res}
	// The unsafe convertor does not copy an object already in the wanted
	// version, as upstream's apiserver (a copy per write otherwise).
	conv := runtime.UnsafeObjectConvertor(c.scheme)
	main, err := managedfields.NewDefaultFieldManager(tc, conv, def, c.scheme, gvk, gvk.GroupVersion(), "", mainReset)
	if err != nil {
		return nil, err
	}
	fm := &fieldManager{main: main}
	if res.Status {
		if fm.status, err = managedfields.NewDefaultFieldManager(tc, conv, def, c.scheme, gvk, gvk.GroupVersion(), "status", statusReset); err != nil {
			return nil, err
		}
	}
	return fm, nil
}

type defaulter struct{ res *registry.Resource }

func (d defaulter) Default(obj runtime.Object) { d.res.Strategy.Default(obj) }

func (f *fieldManager) pick(sub string) *managedfields.FieldManager {
	if sub == "status" && f.status != nil {
		return f.status
	}
	return f.main
}

// Update records manager's change from live to obj in obj's managed
// fields, comparing only the parts the two do not share (withoutUnchanged).
func (f *fieldManager) Update(live, obj runtime.Object, manager, sub string) (runtime.Object, error) {
	l, o, trimmed := withoutUnchanged(live, obj)
	out := f.pick(sub).UpdateNoErrors(l, o, manager)
	if !trimmed {
		return out, nil
	}
	from, err := meta.Accessor(out)
	if err != nil {
		return nil, err
	}
	to, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	to.SetManagedFields(from.GetManagedFields())
	return obj, nil
}

func (f *fieldManager) Apply(live, patch runtime.Object, manager string, force bool) (runtime.Object, error) {
	return f.main.Apply(live, patch, manager, force)
}

func (f *fieldManager) applySub(sub string, live, patch runtime.Object, manager string, force bool) (runtime.Object, error) {
	return f.pick(sub).Apply(live, patch, manager, force)
}

// handleApply serves server-side apply: the body is a partial object whose
// fields the manager takes ownership of; conflicts are 409 unless forced.
func (s *Server) handleApply(w http.ResponseWriter, r *http.Request, sv *served, ns, name, sub string, body []byte, opts registry.WriteOptions) {
	fm := s.fieldManagers[sv.res.GVR()]
	if fm == nil {
		s.writeError(w, r, unsupportedMediaType(patchTypes))
		return
	}
	if r.URL.Query().Get("fieldManager") == "" {
		s.writeError(w, r, apierrors.NewBadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"))
		return
	}
	applied := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(body, &applied.Object); err != nil {
		s.writeError(w, r, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err)))
		return
	}
	if applied.Object == nil {
		s.writeError(w, r, apierrors.NewBadRequest("apply patch must be a YAML or JSON object"))
		return
	}
	if err := checkApplied(applied, sv.res, name); err != nil {
		s.writeError(w, r, err)
		return
	}
	force := r.URL.Query().Get("force") == "true"
	manager := opts.FieldManager
	apply := func(live runtime.Object) (runtime.Object, error) {
		out, err := fm.applySub(sub, live, applied.DeepCopy(), manager, force)
		if err != nil {
			return nil, applyError(err)
		}
		return out, nil
	}
	out, _, err := sv.rest.Update(r.Context(), ns, name, sub, func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		return apply(cur)
	}, registry.WriteOptions{DryRun: opts.DryRun, Applied: true})
	if apierrors.IsNotFound(err) && sub == "" {
		empty := sv.res.New()
		empty.GetObjectKind().SetGroupVersionKind(sv.res.GVK())
		obj, aerr := apply(empty)
		if aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
		created, cerr := sv.rest.Create(r.Context(), ns, obj, registry.WriteOptions{DryRun: opts.DryRun, Applied: true})
		if cerr != nil {
			s.writeError(w, r, cerr)
			return
		}
		s.writeObject(w, r, http.StatusCreated, created, sv.conv)
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, out, sv.conv)
}

func checkApplied(u *unstructured.Unstructured, res *registry.Resource, name string) error {
	gv, err := schema.ParseGroupVersion(u.GetAPIVersion())
	if err != nil || u.GetAPIVersion() == "" || u.GetKind() == "" {
		return apierrors.NewBadRequest("apiVersion and kind are required in an apply configuration")
	}
	if gv != res.GVK().GroupVersion() || u.GetKind() != res.Kind {
		return apierrors.NewBadRequest(fmt.Sprintf("the apply configuration is for %s, Kind=%s, expected %s", gv, u.GetKind(), gvkString(res.GVK())))
	}
	if u.GetName() != name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", u.GetName(), name))
	}
	return nil
}

// applyError keeps the 409 conflicts managedfields reports and makes
// anything else a 422/400 rather than a 500.
func applyError(err error) error {
	if _, ok := err.(apierrors.APIStatus); ok {
		return err
	}
	return apierrors.NewBadRequest(err.Error())
}
