package registry

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"orca/internal/admission"
	"orca/internal/auth"
	"orca/internal/storage"
)

// FieldManager tracks metadata.managedFields (server-side apply).
type FieldManager interface {
	// Update records manager as owner of what it changed from live to obj.
	Update(live, obj runtime.Object, manager, subresource string) (runtime.Object, error)
	// Apply merges an apply configuration into live.
	Apply(live, patch runtime.Object, manager string, force bool) (runtime.Object, error)
}

// REST is the generic create/read/update/delete logic of one resource:
// strategies, admission, preconditions, finalizers and graceful deletion
// around storage. It knows nothing of HTTP.
type REST struct {
	Res    *Resource
	Store  *storage.Store
	Admit  *admission.Chain
	Fields FieldManager
	// Hooks run around storage writes (IP and port allocation).
	Hooks Hooks
	Now   func() time.Time
}

// Hooks let a resource reserve and release things outside its object.
type Hooks interface {
	BeforeCreate(ctx context.Context, obj runtime.Object, dryRun bool) (undo func(), err error)
	BeforeUpdate(ctx context.Context, obj, old runtime.Object, dryRun bool) (undo func(), err error)
	AfterUpdate(ctx context.Context, obj, old runtime.Object)
	AfterDelete(ctx context.Context, obj runtime.Object)
}

// WriteOptions are the options common to create and update.
type WriteOptions struct {
	DryRun       bool
	FieldManager string
	// Applied means managedFields were already computed (server-side apply).
	Applied bool
}

func (r *REST) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *REST) key(ns, name string) string {
	return storage.Key(r.Store.Prefix, ns, name)
}

func (r *REST) gk() metav1.GroupKind { return metav1.GroupKind{Group: r.Res.Group, Kind: r.Res.Kind} }

func (r *REST) invalid(name string, errs field.ErrorList) error {
	return apierrors.NewInvalid(r.Res.GVK().GroupKind(), name, errs)
}

// Get reads one object. The result may be shared with the cache: copy it
// before changing it.
func (r *REST) Get(ctx context.Context, ns, name string, opts metav1.GetOptions) (runtime.Object, error) {
	return r.Store.Get(ctx, r.key(ns, name), opts.ResourceVersion)
}

// List returns a typed list (e.g. *v1.PodList) of the matching objects.
func (r *REST) List(ctx context.Context, ns string, opts storage.ListOptions) (runtime.Object, error) {
	res, err := r.Store.List(ctx, storage.NamespacePrefix(r.Store.Prefix, ns), opts)
	if err != nil {
		return nil, err
	}
	list := r.Res.NewList()
	if err := meta.SetList(list, res.Items); err != nil {
		return nil, err
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, err
	}
	lm.SetResourceVersion(fmt.Sprint(res.ResourceVersion))
	lm.SetContinue(res.Continue)
	lm.SetRemainingItemCount(res.RemainingItemCount)
	list.GetObjectKind().SetGroupVersionKind(r.Res.GVK().GroupVersion().WithKind(r.Res.Kind + "List"))
	return list, nil
}

// Watch starts a watch over the namespace ("" for all).
func (r *REST) Watch(ctx context.Context, ns string, opts storage.ListOptions) (*storage.Watch, error) {
	return r.Store.Watch(ctx, storage.NamespacePrefix(r.Store.Prefix, ns), opts)
}

func (r *REST) attrs(ctx context.Context, op admission.Operation, sub, ns, name string, obj, old runtime.Object, dry bool) *admission.Attributes {
	return &admission.Attributes{Operation: op, Resource: r.Res.GVR(), Kind: r.Res.GVK(), Subresource: sub,
		Namespace: ns, Name: name, Object: obj, OldObject: old, DryRun: dry, User: auth.UserFrom(ctx)}
}

// Create stores a new object in namespace ns.
func (r *REST) Create(ctx context.Context, ns string, obj runtime.Object, opts WriteOptions) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if err := r.checkNamespace(m, ns); err != nil {
		return nil, err
	}
	obj.GetObjectKind().SetGroupVersionKind(r.Res.GVK())
	generated := m.GetName() == "" && m.GetGenerateName() != ""
	if !generated {
		return r.create(ctx, ns, obj, m, opts)
	}
	for attempt := 0; ; attempt++ {
		// Each attempt starts from the client's object: a failed attempt
		// has already defaulted it with its own name (a Job's labels).
		try := obj.DeepCopyObject()
		tm, _ := meta.Accessor(try)
		tm.SetName(m.GetGenerateName() + rand.String(5))
		out, err := r.create(ctx, ns, try, tm, opts)
		if apierrors.IsAlreadyExists(err) && attempt < 8 {
			continue
		}
		return out, err
	}
}

func (r *REST) create(ctx context.Context, ns string, obj runtime.Object, m metav1.Object, opts WriteOptions) (runtime.Object, error) {
	r.Res.Strategy.Default(obj)
	if err := r.Admit.Mutate(ctx, r.attrs(ctx, admission.Create, "", ns, m.GetName(), obj, nil, opts.DryRun)); err != nil {
		return nil, err
	}
	r.fillCreateMeta(m)
	if r.Res.Status && !r.Res.KeepStatusOnCreate {
		resetStatus(obj)
	}
	r.Res.Strategy.PrepareForCreate(obj)
	if r.Fields != nil && !opts.Applied {
		// Before validation, as upstream: the managed fields validated are
		// the recorded ones.
		managed, err := r.Fields.Update(r.Res.New(), obj, managerName(ctx, opts.FieldManager), "")
		if err != nil {
			return nil, err
		}
		obj = managed
		m, _ = meta.Accessor(obj)
	}
	if errs := r.validateCreate(obj, m); len(errs) > 0 {
		return nil, r.invalid(m.GetName(), errs)
	}
	if err := r.Admit.Validate(ctx, r.attrs(ctx, admission.Create, "", ns, m.GetName(), obj, nil, opts.DryRun)); err != nil {
		return nil, err
	}
	if opts.DryRun {
		if err := r.checkAbsent(ctx, ns, m.GetName()); err != nil {
			return nil, err
		}
	}
	if r.Hooks != nil {
		// Report a taken name before reserving anything: a duplicate create
		// must say AlreadyExists, not that its IP or port is in use.
		if _, err := r.Store.Get(ctx, r.key(ns, m.GetName()), ""); err == nil {
			return nil, apierrors.NewAlreadyExists(r.Res.GR(), m.GetName())
		}
		undo, err := r.Hooks.BeforeCreate(ctx, obj, opts.DryRun)
		if err != nil {
			return nil, err
		}
		if opts.DryRun {
			undo()
			return obj, nil
		}
		out, err := r.Store.Create(ctx, r.key(ns, m.GetName()), obj, r.Res.TTL)
		if err != nil {
			undo()
		}
		return out, err
	}
	if opts.DryRun {
		return obj, nil
	}
	return r.Store.Create(ctx, r.key(ns, m.GetName()), obj, r.Res.TTL)
}

// checkAbsent stands in for the store's AlreadyExists in a dry-run create.
func (r *REST) checkAbsent(ctx context.Context, ns, name string) error {
	_, err := r.Store.Get(ctx, r.key(ns, name), "")
	switch {
	case err == nil:
		return apierrors.NewAlreadyExists(r.Res.GR(), name)
	case apierrors.IsNotFound(err):
		return nil
	}
	return err
}

func (r *REST) checkNamespace(m metav1.Object, ns string) error {
	if !r.Res.Namespaced {
		m.SetNamespace("")
		return nil
	}
	if m.GetNamespace() != "" && m.GetNamespace() != ns {
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	m.SetNamespace(ns)
	return nil
}

// fillCreateMeta sets what the server owns in a new object's metadata.
func (r *REST) fillCreateMeta(m metav1.Object) {
	m.SetUID(uuid.NewUUID())
	m.SetCreationTimestamp(metav1.NewTime(r.now().Truncate(time.Second)))
	m.SetResourceVersion("")
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetSelfLink("")
	if r.Res.Status {
		m.SetGeneration(1)
	} else {
		m.SetGeneration(0)
	}
}

func (r *REST) validateCreate(obj runtime.Object, m metav1.Object) field.ErrorList {
	errs := metavalidation.ValidateObjectMetaAccessor(m, r.Res.Namespaced, r.nameFunc(), field.NewPath("metadata"))
	return append(errs, r.Res.Strategy.Validate(obj)...)
}

func (r *REST) nameFunc() metavalidation.ValidateNameFunc {
	if r.Res.ValidateName != nil {
		return r.Res.ValidateName
	}
	return metavalidation.NameIsDNSSubdomain
}

func managerName(ctx context.Context, given string) string {
	if given != "" {
		return given
	}
	return "unknown"
}
