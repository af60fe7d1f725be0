package replicaset

import (
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// ownerIndex indexes pods by their controller's UID, and orphans by
// "orphan/<namespace>": a reconcile then reads only the pods it owns and
// the orphans it might adopt instead of its whole namespace (10,000 pods of
// one ReplicaSet would otherwise be scanned per sibling reconcile).
const ownerIndex = "orca.dev/replicaset-pod-owner"

func ownerIndexFunc(obj any) ([]string, error) {
	p, ok := obj.(*v1.Pod)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return []string{orphanKey(p.Namespace)}, nil
}

func orphanKey(namespace string) string { return "orphan/" + namespace }

// podsOwnedBy are the cached pods whose controller has UID uid.
func (c *Controller) podsOwnedBy(uid types.UID) []*v1.Pod {
	return c.podsByIndex(string(uid))
}

// orphans are the cached pods of namespace without a controller.
func (c *Controller) orphans(namespace string) []*v1.Pod {
	return c.podsByIndex(orphanKey(namespace))
}

func (c *Controller) podsByIndex(key string) []*v1.Pod {
	objs, _ := c.pods.ByIndex(ownerIndex, key)
	out := make([]*v1.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*v1.Pod); ok {
			out = append(out, p)
		}
	}
	return out
}

func groupOf(apiVersion string) string {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return "?"
	}
	return gv.Group
}
