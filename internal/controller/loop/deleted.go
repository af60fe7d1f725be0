package loop

import "k8s.io/client-go/tools/cache"

// Deleted is the object of an informer's delete event: the object itself,
// or the last state a tombstone carries when the watch missed the delete.
// ok is false for anything else.
func Deleted[T any](obj any) (T, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	v, ok := obj.(T)
	return v, ok
}
