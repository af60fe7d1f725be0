package apiserver

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/managedfields"

	"orca/internal/apiserver/openapi"
	"orca/internal/registry"
)

// setupOpenAPI builds the OpenAPI documents for the served resources and,
// from the same schemas, the field managers server-side apply needs.
func (s *Server) setupOpenAPI(all []*registry.Resource) error {
	kinds := make([]openapi.Kind, 0, len(all))
	for _, r := range all {
		kinds = append(kinds, openapi.Kind{Group: r.Group, Version: r.Version, Kind: r.Kind, Resource: r.Resource,
			Namespaced: r.Namespaced, Subresources: subresources(r), Verbs: r.ServedVerbs()})
	}
	docs, err := openapi.Build(kinds)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	s.openapi = docs
	validating, err := managedfields.NewTypeConverter(docs.Definitions(), false)
	if err != nil {
		return fmt.Errorf("openapi type converter: %w", err)
	}
	tc := newTrustedTypeConverter(validating)
	for _, r := range all {
		if r.Storage != nil || r.Review {
			continue // managed fields are tracked at the storage version; reviews are not stored
		}
		fm, err := newFieldManager(tc, r, s.codecs)
		if err != nil {
			return fmt.Errorf("field manager for %s: %w", r.GVR(), err)
		}
		s.fieldManagers[r.GVR()] = fm
		s.rests[r.GVR()].Fields = fm
	}
	return nil
}
