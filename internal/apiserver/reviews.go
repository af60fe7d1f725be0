package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"orca/internal/auth"
	"orca/internal/registry"
	"orca/internal/storage"
)

// reviews answers the review resources (registry.Resource.Review): access
// reviews say whether a user may do something, SelfSubjectReview who the
// caller is. Nothing is stored; every verb but create is refused.
type reviews struct{ res *registry.Resource }

func (rv reviews) Create(ctx context.Context, ns string, obj runtime.Object, _ registry.WriteOptions) (runtime.Object, error) {
	u := auth.UserFrom(ctx) // set for every request by withAuthentication
	switch o := obj.(type) {
	case *authorizationv1.SelfSubjectAccessReview:
		errs := emptyMeta(o.ObjectMeta, "")
		errs = append(errs, oneAttributeSet(o.Spec.ResourceAttributes, o.Spec.NonResourceAttributes)...)
		if len(errs) > 0 {
			return nil, rv.invalid(errs)
		}
		o.Status = decide(u.Name, u.Groups)
	case *authorizationv1.SubjectAccessReview:
		errs := emptyMeta(o.ObjectMeta, "")
		errs = append(errs, validateSubjectSpec(o.Spec)...)
		if len(errs) > 0 {
			return nil, rv.invalid(errs)
		}
		o.Status = decide(o.Spec.User, o.Spec.Groups)
	case *authorizationv1.LocalSubjectAccessReview:
		if o.Namespace == "" {
			o.Namespace = ns
		}
		if o.Namespace != ns {
			return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
		errs := emptyMeta(o.ObjectMeta, ns)
		errs = append(errs, validateSubjectSpec(o.Spec)...)
		if o.Spec.NonResourceAttributes != nil {
			errs = append(errs, field.Invalid(field.NewPath("spec", "nonResourceAttributes"), o.Spec.NonResourceAttributes, "disallowed on this kind of request"))
		}
		if a := o.Spec.ResourceAttributes; a != nil && a.Namespace != o.Namespace {
			errs = append(errs, field.Invalid(field.NewPath("spec", "resourceAttributes", "namespace"), a.Namespace, "must match metadata.namespace"))
		}
		if len(errs) > 0 {
			return nil, rv.invalid(errs)
		}
		o.Status = decide(o.Spec.User, o.Spec.Groups)
	case *authorizationv1.SelfSubjectRulesReview:
		if o.Spec.Namespace == "" {
			return nil, apierrors.NewBadRequest("no namespace on request")
		}
		o.Status = authorizationv1.SubjectRulesReviewStatus{}
		if auth.Allowed(u.Name, u.Groups) {
			o.Status.ResourceRules = []authorizationv1.ResourceRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
			o.Status.NonResourceRules = []authorizationv1.NonResourceRule{{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}}
		}
	case *authenticationv1.SelfSubjectReview:
		o.ObjectMeta = metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(time.Now())}
		info := authenticationv1.UserInfo{Username: u.Name, UID: u.UID, Groups: u.Groups}
		if len(u.Extra) > 0 {
			info.Extra = map[string]authenticationv1.ExtraValue{}
			for k, v := range u.Extra {
				info.Extra[k] = v
			}
		}
		o.Status.UserInfo = info
	default:
		return nil, apierrors.NewInternalError(fmt.Errorf("no review for %T", obj))
	}
	return obj, nil
}

func decide(user string, groups []string) authorizationv1.SubjectAccessReviewStatus {
	if auth.Allowed(user, groups) {
		return authorizationv1.SubjectAccessReviewStatus{Allowed: true, Reason: auth.AllowedReason}
	}
	return authorizationv1.SubjectAccessReviewStatus{}
}

// emptyMeta: a review names nothing; a local one only its namespace.
func emptyMeta(m metav1.ObjectMeta, ns string) field.ErrorList {
	m.ManagedFields = nil
	if apiequality.Semantic.DeepEqual(metav1.ObjectMeta{Namespace: ns}, m) {
		return nil
	}
	msg := "must be empty"
	if ns != "" {
		msg = "must be empty except for namespace"
	}
	return field.ErrorList{field.Invalid(field.NewPath("metadata"), m, msg)}
}

func oneAttributeSet(r *authorizationv1.ResourceAttributes, n *authorizationv1.NonResourceAttributes) field.ErrorList {
	switch {
	case r != nil && n != nil:
		return field.ErrorList{field.Invalid(field.NewPath("spec", "nonResourceAttributes"), n, "cannot be specified in combination with resourceAttributes")}
	case r == nil && n == nil:
		return field.ErrorList{field.Invalid(field.NewPath("spec", "resourceAttributes"), n, "exactly one of nonResourceAttributes or resourceAttributes must be specified")}
	}
	return nil
}

func validateSubjectSpec(s authorizationv1.SubjectAccessReviewSpec) field.ErrorList {
	errs := oneAttributeSet(s.ResourceAttributes, s.NonResourceAttributes)
	if s.User == "" && len(s.Groups) == 0 {
		errs = append(errs, field.Invalid(field.NewPath("spec", "user"), s.User, "at least one of user or group must be specified"))
	}
	return errs
}

func (rv reviews) invalid(errs field.ErrorList) error {
	return apierrors.NewInvalid(rv.res.GVK().GroupKind(), "", errs)
}

// refuse answers as upstream, which routes nothing but POST for reviews.
func (reviews) refuse() error {
	return apierrors.NewGenericServerResponse(http.StatusMethodNotAllowed, "", schema.GroupResource{}, "", "", 0, false)
}

func (rv reviews) Get(context.Context, string, string, metav1.GetOptions) (runtime.Object, error) {
	return nil, rv.refuse()
}

func (rv reviews) List(context.Context, string, storage.ListOptions) (runtime.Object, error) {
	return nil, rv.refuse()
}

func (rv reviews) Watch(context.Context, string, storage.ListOptions) (*storage.Watch, error) {
	return nil, rv.refuse()
}

func (rv reviews) Update(context.Context, string, string, string, registry.NewObjectFunc, registry.WriteOptions) (runtime.Object, bool, error) {
	return nil, false, rv.refuse()
}

func (rv reviews) Delete(context.Context, string, string, metav1.DeleteOptions) (runtime.Object, bool, error) {
	return nil, false, rv.refuse()
}

func (rv reviews) DeleteCollection(context.Context, string, storage.ListOptions, metav1.DeleteOptions) (runtime.Object, error) {
	return nil, rv.refuse()
}
