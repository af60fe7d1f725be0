package registry

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"orca/internal/admission"
)

// NewObjectFunc computes the object a client asks for from the current one
// (the body of a PUT, or the current object with a patch applied). cur is a
// private copy. Returning a NotFound-style error aborts the update.
type NewObjectFunc func(ctx context.Context, cur runtime.Object) (runtime.Object, error)

// errDryRun carries a dry-run result out of the storage update loop.
type errDryRun struct{ obj runtime.Object }

func (errDryRun) Error() string { return "dry run" }

// Update changes an object (subresource "", "status", or one whose handler
// computes the whole object: "binding", "finalize"). If the object is
// missing and the resource allows it, PUT creates it; created reports that.
func (r *REST) Update(ctx context.Context, ns, name, sub string, newObj NewObjectFunc, opts WriteOptions) (runtime.Object, bool, error) {
	var undo func()
	var last runtime.Object
	out, err := r.Store.Update(ctx, r.key(ns, name), func(cur runtime.Object) (runtime.Object, error) {
		last = cur
		if undo != nil {
			undo() // an earlier attempt lost a race; release what it reserved
			undo = nil
		}
		obj, err := newObj(ctx, cur.DeepCopyObject())
		if err != nil {
			return nil, err
		}
		obj, err = r.prepareUpdate(ctx, ns, name, sub, obj, cur, opts)
		if err != nil {
			return nil, err
		}
		if r.Hooks != nil && sub == "" {
			if undo, err = r.Hooks.BeforeUpdate(ctx, obj, cur, opts.DryRun); err != nil {
				return nil, err
			}
		}
		if opts.DryRun {
			return nil, errDryRun{obj}
		}
		return obj, nil
	})
	if dr, ok := err.(errDryRun); ok {
		if undo != nil {
			undo()
		}
		return dr.obj, false, nil
	}
	if apierrors.IsNotFound(err) && r.Res.AllowCreateOnUpdate && sub == "" {
		obj, err := newObj(ctx, nil)
		if err != nil {
			return nil, false, err
		}
		out, err := r.Create(ctx, ns, obj, opts)
		return out, err == nil, err
	}
	if err != nil {
		if undo != nil {
			undo()
		}
		return nil, false, err
	}
	if r.Hooks != nil && sub == "" {
		r.Hooks.AfterUpdate(ctx, out, last)
	}
	return r.finishIfDeleted(ctx, ns, out)
}

// prepareUpdate turns the client's object into the one to store.
func (r *REST) prepareUpdate(ctx context.Context, ns, name, sub string, obj, cur runtime.Object, opts WriteOptions) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	old, _ := meta.Accessor(cur)
	if err := r.checkNamespace(m, ns); err != nil {
		return nil, err
	}
	if m.GetName() != name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), name))
	}
	if rv := m.GetResourceVersion(); rv != "" && rv != old.GetResourceVersion() {
		return nil, apierrors.NewConflict(r.Res.GR(), name, fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	if uid := m.GetUID(); uid != "" && uid != old.GetUID() {
		return nil, apierrors.NewConflict(r.Res.GR(), name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, old.GetUID()))
	}
	obj.GetObjectKind().SetGroupVersionKind(r.Res.GVK())
	if sub == "status" {
		obj = statusOnly(obj, cur, r.Res.Strategy)
		m, _ = meta.Accessor(obj)
	} else {
		r.Res.Strategy.Default(obj)
	}
	attrs := r.attrs(ctx, admission.Update, sub, ns, name, obj, cur, opts.DryRun)
	if err := r.Admit.Mutate(ctx, attrs); err != nil {
		return nil, err
	}
	keepServerMeta(m, old)
	if sub == "" && r.Res.Status {
		copyStatus(obj, cur)
	}
	if sub == "" {
		r.Res.Strategy.PrepareForUpdate(obj, cur)
		if r.Res.Status && specChanged(obj, cur) {
			m.SetGeneration(old.GetGeneration() + 1)
		}
	}
	// A binding records no manager, as upstream's (it writes the pod
	// straight to storage): nodeName is the scheduler's without an entry.
	if r.Fields != nil && !opts.Applied && sub != "binding" {
		// Before validation, as upstream: the managed fields validated are
		// the recorded ones (a client's [{}] asks to reset them).
		managed, err := r.Fields.Update(cur, obj, managerName(ctx, opts.FieldManager), sub)
		if err != nil {
			return nil, err
		}
		obj = managed
		m, _ = meta.Accessor(obj)
	}
	errs := metavalidation.ValidateObjectMetaAccessorUpdate(m, old, field.NewPath("metadata"))
	if sub != "binding" {
		// A binding is the scheduler's write of spec.nodeName (and the
		// PodScheduled condition), which pod update validation forbids to
		// everyone else; the binding handler checks it instead.
		errs = append(errs, r.Res.Strategy.ValidateUpdate(obj, cur)...)
	}
	if old.GetDeletionTimestamp() != nil && addsFinalizer(m, old) {
		errs = append(errs, field.Forbidden(field.NewPath("metadata", "finalizers"), "no new finalizers can be added if the object is being deleted"))
	}
	if len(errs) > 0 {
		return nil, r.invalid(name, errs)
	}
	if err := r.Admit.Validate(ctx, attrs); err != nil {
		return nil, err
	}
	return obj, nil
}

// statusAnnotations is implemented by strategies whose status writes may
// also change annotations: upstream's Deployment status strategy allows
// it, and the deployment controller writes the revision annotation with
// the status.
type statusAnnotations interface{ StatusWritesAnnotations() }

// statusOnly is the current object with the client's status and nothing
// else of the client's, as a status write must not change spec or metadata.
func statusOnly(obj, cur runtime.Object, s Strategy) runtime.Object {
	out := cur.DeepCopyObject()
	copyStatus(out, obj)
	om, _ := meta.Accessor(out)
	nm, _ := meta.Accessor(obj)
	if _, ok := s.(statusAnnotations); ok {
		om.SetAnnotations(nm.GetAnnotations())
	}
	om.SetResourceVersion(nm.GetResourceVersion())
	om.SetManagedFields(nm.GetManagedFields())
	return out
}

// keepServerMeta copies what only the server sets from the stored object.
func keepServerMeta(m, old metav1.Object) {
	m.SetUID(old.GetUID())
	m.SetCreationTimestamp(old.GetCreationTimestamp())
	m.SetDeletionTimestamp(old.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(old.GetDeletionGracePeriodSeconds())
	m.SetGeneration(old.GetGeneration())
	m.SetSelfLink("")
	m.SetResourceVersion(old.GetResourceVersion())
}

func addsFinalizer(m, old metav1.Object) bool {
	had := map[string]bool{}
	for _, f := range old.GetFinalizers() {
		had[f] = true
	}
	for _, f := range m.GetFinalizers() {
		if !had[f] {
			return true
		}
	}
	return false
}

// finishIfDeleted removes an object whose deletion was waiting only for
// finalizers, once the last one is gone.
func (r *REST) finishIfDeleted(ctx context.Context, ns string, obj runtime.Object) (runtime.Object, bool, error) {
	m, _ := meta.Accessor(obj)
	if m.GetDeletionTimestamp() == nil || len(m.GetFinalizers()) > 0 || r.gracefulPending(obj) {
		return obj, false, nil
	}
	rv := m.GetResourceVersion()
	_, err := r.Store.Delete(ctx, r.key(ns, m.GetName()), func(cur runtime.Object) error {
		cm, _ := meta.Accessor(cur)
		if cm.GetResourceVersion() != rv {
			return errStale
		}
		return nil
	})
	if err == nil && r.Hooks != nil {
		r.Hooks.AfterDelete(ctx, obj)
	}
	if err != nil && err != errStale && !apierrors.IsNotFound(err) {
		return nil, false, err
	}
	return obj, false, nil
}

var errStale = fmt.Errorf("object changed")
