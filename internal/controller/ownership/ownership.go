// Package ownership decides which objects a controller owns: those whose
// controller reference points at it, adopting orphans its selector matches
// and releasing owned objects it no longer matches (upstream's
// ControllerRefManager). The decision is pure; patches carry it out.
package ownership

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Plan is what a controller should do with the objects of its namespace.
type Plan[T metav1.Object] struct {
	Owned   []T // already owned and still matching
	Adopt   []T // orphans to adopt (then owned)
	Release []T // owned but no longer matching
}

// Decide sorts objs (of the owner's namespace) into a Plan. A controller
// being deleted adopts nothing and releases nothing; objects being deleted
// are never adopted.
func Decide[T metav1.Object](owner metav1.Object, sel labels.Selector, objs []T) Plan[T] {
	var p Plan[T]
	deleting := owner.GetDeletionTimestamp() != nil
	for _, o := range objs {
		ref := metav1.GetControllerOfNoCopy(o)
		matches := sel.Matches(labels.Set(o.GetLabels()))
		switch {
		case ref != nil && ref.UID == owner.GetUID():
			if matches || deleting {
				p.Owned = append(p.Owned, o)
			} else if o.GetDeletionTimestamp() == nil {
				p.Release = append(p.Release, o)
			}
		case ref != nil:
			// Another controller's.
		case matches && !deleting && o.GetDeletionTimestamp() == nil:
			p.Adopt = append(p.Adopt, o)
		}
	}
	return p
}

// ControllerRef is the owner reference a controller sets on what it
// creates or adopts.
func ControllerRef(owner metav1.Object, gvk schema.GroupVersionKind) metav1.OwnerReference {
	return *metav1.NewControllerRef(owner, gvk)
}

// AdoptPatch is a strategic merge patch making owner the controller of
// the object with UID obj; the UID in the patch keeps it from landing on a
// new object of the same name.
func AdoptPatch(owner metav1.Object, gvk schema.GroupVersionKind, obj types.UID) []byte {
	ref := ControllerRef(owner, gvk)
	b, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{ref},
		"uid":             obj,
	}})
	return b
}

// ReleasePatch is a strategic merge patch removing owner's reference from
// the object with UID obj.
func ReleasePatch(owner types.UID, obj types.UID) []byte {
	return []byte(fmt.Sprintf(`{"metadata":{"ownerReferences":[{"$patch":"delete","uid":%q}],"uid":%q}}`, owner, obj))
}
