package endpointutil

import (
	v1 "k8s.io/api/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/loop"
)

// PodHandler queues (through add) the Services whose endpoints a pod
// event may change. An update that changes nothing endpoints show queues
// nothing: most pod updates are status noise.
func PodHandler(services corelisters.ServiceLister, add func(key string)) cache.ResourceEventHandler {
	queue := func(p *v1.Pod) {
		for _, k := range ServicesSelecting(services, p) {
			add(k)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if p, ok := obj.(*v1.Pod); ok {
				queue(p)
			}
		},
		UpdateFunc: func(oldObj, curObj any) {
			old, cur := oldObj.(*v1.Pod), curObj.(*v1.Pod)
			if old.ResourceVersion == cur.ResourceVersion {
				return
			}
			changed, labelsChanged := PodChanged(old, cur)
			if !changed {
				return
			}
			queue(cur)
			if labelsChanged {
				queue(old)
			}
		},
		DeleteFunc: func(obj any) {
			if p, ok := loop.Deleted[*v1.Pod](obj); ok {
				queue(p)
			}
		},
	}
}
