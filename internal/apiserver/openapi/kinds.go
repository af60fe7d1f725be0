package openapi

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Kind describes one served resource kind.
type Kind struct {
	Group, Version, Kind string // e.g. "apps","v1","Deployment"; core group is ""
	Resource             string // plural, e.g. "deployments"
	Namespaced           bool
	Subresources         []string // e.g. "status","scale","binding","eviction"
	// Verbs is optional. Empty means the standard set (get list watch create
	// update patch delete deletecollection), or just create for kinds that
	// have no List type (TokenReview, SubjectAccessReview, Binding, ...).
	Verbs []string
}

// StandardVerbs are the verbs a resource gets when Kind.Verbs is empty.
var StandardVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

func (k Kind) gv() schema.GroupVersion {
	return schema.GroupVersion{Group: k.Group, Version: k.Version}
}

func (k Kind) gvk() schema.GroupVersionKind { return k.gv().WithKind(k.Kind) }

// verbs returns the verbs to document for k; hasList tells whether a List
// type exists for the kind.
func (k Kind) verbs(hasList bool) []string {
	switch {
	case len(k.Verbs) > 0:
		return k.Verbs
	case hasList:
		return StandardVerbs
	default:
		return []string{"create"}
	}
}

func has(verbs []string, verb string) bool { return slices.Contains(verbs, verb) }

func (k Kind) validate() error {
	if k.Version == "" || k.Kind == "" || k.Resource == "" {
		return fmt.Errorf("openapi: kind %+v needs Version, Kind and Resource", k)
	}
	if strings.Contains(k.Resource, "/") {
		return fmt.Errorf("openapi: resource %q of %s must not contain '/'; list subresources in Subresources", k.Resource, k.Kind)
	}
	return nil
}
