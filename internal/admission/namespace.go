package admission

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// NamespaceGetter reads a namespace (from the server's own cache).
type NamespaceGetter func(ctx context.Context, name string) (*corev1.Namespace, error)

// NamespaceLifecycle refuses writes into namespaces that do not exist or are
// being deleted, and protects the system namespaces from deletion, as
// upstream's plugin of the same name.
type NamespaceLifecycle struct {
	Get      NamespaceGetter
	Immortal map[string]bool
}

func (NamespaceLifecycle) Name() string { return "NamespaceLifecycle" }

func (p NamespaceLifecycle) Admit(ctx context.Context, a *Attributes) error {
	if a.Resource.Group == "" && a.Resource.Resource == "namespaces" {
		if a.Operation == Delete && p.Immortal[a.Name] {
			return apierrors.NewForbidden(a.Resource.GroupResource(), a.Name, fmt.Errorf("this namespace may not be deleted"))
		}
		return nil
	}
	if a.Namespace == "" || a.Operation != Create {
		return nil
	}
	ns, err := p.Get(ctx, a.Namespace)
	if apierrors.IsNotFound(err) {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, a.Namespace)
	}
	if err != nil {
		return err
	}
	if ns.Status.Phase == corev1.NamespaceTerminating || ns.DeletionTimestamp != nil {
		// Events may still be written into a namespace being torn down.
		if a.Resource.Resource == "events" {
			return nil
		}
		err := &apierrors.StatusError{ErrStatus: metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: fmt.Sprintf("%s %q is forbidden: unable to create new content in namespace %s because it is being terminated", a.Resource.Resource, a.Name, a.Namespace),
			Details: &metav1.StatusDetails{Name: a.Name, Group: a.Resource.Group, Kind: a.Resource.Resource,
				Causes: []metav1.StatusCause{{Type: corev1.NamespaceTerminatingCause, Message: fmt.Sprintf("namespace %s is being terminated", a.Namespace), Field: "metadata.namespace"}}},
		}}
		return err
	}
	return nil
}
