// Package cachetrim trims what client-side caches keep of watched objects.
package cachetrim

import (
	"k8s.io/apimachinery/pkg/api/meta"
)

// StripManagedFields is an informer transform that drops metadata.managedFields.
//
// The scheduler and the controllers never read them, and they are a fifth
// of a cached pod's memory. Writes built from a trimmed object keep the
// stored managed fields: the server leaves them alone when an update sends
// none, as upstream's does.
func StripManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil && m.GetManagedFields() != nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
