package proxy

import (
	"fmt"
	"sort"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// source gives the proxy the Services and their EndpointSlices.
type source interface {
	// serviceKeys lists every Service's "namespace/name".
	serviceKeys() []string
	// service returns a Service and its EndpointSlices (nil: none).
	service(key string) (*v1.Service, []*discovery.EndpointSlice)
	// nodeZone is this node's topology.kubernetes.io/zone ("": none).
	nodeZone() string
	// nodeEligible: this node should get traffic from load balancers (it
	// is not being deleted, nor marked for deletion by the autoscaler).
	nodeEligible() bool
}

// toBeDeletedTaint is the cluster autoscaler's taint on a node it is
// about to remove.
const toBeDeletedTaint = "ToBeDeletedByClusterAutoscaler"

// byServiceIndex indexes EndpointSlices by their Service's key.
const byServiceIndex = "orca-proxy/service"

// informerSource reads the shared informers' caches.
type informerSource struct {
	services, slices, nodes cache.SharedIndexInformer
	node                    string
}

// newInformerSource registers the Service, EndpointSlice and Node
// informers on the shared factory and calls changed with the key of every
// Service whose Service or slices change, and zoneChanged when this node's
// zone does (topology hints then choose other endpoints everywhere).
func newInformerSource(factory informers.SharedInformerFactory, node string, changed func(key string), zoneChanged func()) (*informerSource, error) {
	s := &informerSource{
		services: factory.Core().V1().Services().Informer(),
		slices:   factory.Discovery().V1().EndpointSlices().Informer(),
		nodes:    factory.Core().V1().Nodes().Informer(),
		node:     node,
	}
	if err := s.slices.AddIndexers(cache.Indexers{byServiceIndex: sliceServiceKeys}); err != nil {
		return nil, fmt.Errorf("EndpointSlice index: %w", err)
	}
	onService := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			changed(key)
		}
	}
	onSlice := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		keys, _ := sliceServiceKeys(obj)
		for _, k := range keys {
			changed(k)
		}
	}
	if _, err := s.services.AddEventHandler(handlers(onService)); err != nil {
		return nil, err
	}
	if _, err := s.slices.AddEventHandler(handlers(onSlice)); err != nil {
		return nil, err
	}
	zone := func(obj any) string {
		if n, ok := obj.(*v1.Node); ok && n.Name == node {
			return n.Labels[v1.LabelTopologyZone]
		}
		return ""
	}
	if _, err := s.nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if zone(obj) != "" {
				zoneChanged()
			}
		},
		UpdateFunc: func(old, new any) {
			if zone(old) != zone(new) {
				zoneChanged()
			}
		},
	}); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *informerSource) nodeEligible() bool {
	obj, ok, err := s.nodes.GetStore().GetByKey(s.node)
	if err != nil || !ok {
		return true // not known yet: kube-proxy's default
	}
	n := obj.(*v1.Node)
	if n.DeletionTimestamp != nil {
		return false
	}
	for _, t := range n.Spec.Taints {
		if t.Key == toBeDeletedTaint {
			return false
		}
	}
	return true
}

func (s *informerSource) nodeZone() string {
	obj, ok, err := s.nodes.GetStore().GetByKey(s.node)
	if err != nil || !ok {
		return ""
	}
	return obj.(*v1.Node).Labels[v1.LabelTopologyZone]
}

// handlers calls f with the new object of adds, updates (both objects when
// a slice moves to another Service) and deletes.
func handlers(f func(obj any)) cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: f,
		UpdateFunc: func(old, new any) {
			f(old)
			f(new)
		},
		DeleteFunc: f,
	}
}

func sliceServiceKeys(obj any) ([]string, error) {
	s, ok := obj.(*discovery.EndpointSlice)
	if !ok {
		return nil, nil
	}
	name := s.Labels[discovery.LabelServiceName]
	if name == "" {
		return nil, nil
	}
	return []string{s.Namespace + "/" + name}, nil
}

func (s *informerSource) synced() bool {
	return s.services.HasSynced() && s.slices.HasSynced() && s.nodes.HasSynced()
}

func (s *informerSource) serviceKeys() []string {
	keys := s.services.GetStore().ListKeys()
	sort.Strings(keys)
	return keys
}

func (s *informerSource) service(key string) (*v1.Service, []*discovery.EndpointSlice) {
	obj, ok, err := s.services.GetStore().GetByKey(key)
	if err != nil || !ok {
		return nil, nil
	}
	objs, _ := s.slices.GetIndexer().ByIndex(byServiceIndex, key)
	slices := make([]*discovery.EndpointSlice, 0, len(objs))
	for _, o := range objs {
		slices = append(slices, o.(*discovery.EndpointSlice))
	}
	// Slices in name order, so the same endpoints give the same rules.
	sort.Slice(slices, func(i, j int) bool { return slices[i].Name < slices[j].Name })
	return obj.(*v1.Service), slices
}

// staticSource is a fixed set of Services, for tests and benchmarks.
type staticSource struct {
	services map[string]*v1.Service
	slices   map[string][]*discovery.EndpointSlice
	zone     string
}

func newStaticSource() *staticSource {
	return &staticSource{services: map[string]*v1.Service{}, slices: map[string][]*discovery.EndpointSlice{}}
}

func (s *staticSource) set(svc *v1.Service, slices ...*discovery.EndpointSlice) string {
	key := svc.Namespace + "/" + svc.Name
	s.services[key] = svc
	s.slices[key] = slices
	return key
}

func (s *staticSource) remove(key string) {
	delete(s.services, key)
	delete(s.slices, key)
}

func (s *staticSource) serviceKeys() []string {
	keys := make([]string, 0, len(s.services))
	for k := range s.services {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *staticSource) service(key string) (*v1.Service, []*discovery.EndpointSlice) {
	return s.services[key], s.slices[key]
}

func (s *staticSource) nodeZone() string { return s.zone }

func (s *staticSource) nodeEligible() bool { return true }
