package dns

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

type objName struct{ ns, name string }

// deleted is the namespace and name of a deleted object, also when the
// informer only knows it as a tombstone.
func deleted(obj any) (objName, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return objName{}, false
	}
	return objName{ns: m.GetNamespace(), name: m.GetName()}, true
}

func metaOf(n objName) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: n.ns, Name: n.name} }
