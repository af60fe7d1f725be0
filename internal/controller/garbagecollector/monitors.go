package garbagecollector

import (
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
)

// ignoredResources are never watched, as upstream: events are many, short
// lived and nobody owns them.
var ignoredResources = map[schema.GroupResource]bool{
	{Group: "", Resource: "events"}:              true,
	{Group: "events.k8s.io", Resource: "events"}: true,
}

// deletableResources are the preferred versions of every resource that
// supports delete, list and watch, with their kinds. Discovery errors for
// some groups still return the others.
func deletableResources(d discovery.ServerResourcesInterface) (map[schema.GroupVersionResource]schema.GroupVersionKind, error) {
	lists, err := d.ServerPreferredResources()
	out := map[schema.GroupVersionResource]schema.GroupVersionKind{}
	for _, l := range discovery.FilteredBy(discovery.SupportsAllVerbs{Verbs: []string{"delete", "list", "watch"}}, lists) {
		gv, perr := schema.ParseGroupVersion(l.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || ignoredResources[gv.WithResource(r.Name).GroupResource()] {
				continue
			}
			out[gv.WithResource(r.Name)] = gv.WithKind(r.Kind)
		}
	}
	return out, err
}

// monitor watches the metadata of one resource.
type monitor struct {
	gvk      schema.GroupVersionKind
	informer cache.SharedIndexInformer
	stop     chan struct{}
}

// monitors are the informers feeding the graph builder, one per deletable
// resource; the set follows discovery (CRDs come and go).
type monitors struct {
	client metadata.Interface
	push   func(*event)

	mu      sync.Mutex
	running map[schema.GroupVersionResource]*monitor
}

// sync starts monitors for new resources and stops those for resources
// that went away (if allowRemove: discovery was complete).
func (m *monitors) sync(want map[schema.GroupVersionResource]schema.GroupVersionKind, allowRemove bool) (added, removed int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running == nil {
		m.running = map[schema.GroupVersionResource]*monitor{}
	}
	for gvr, mon := range m.running {
		if _, ok := want[gvr]; !ok && allowRemove {
			close(mon.stop)
			delete(m.running, gvr)
			removed++
		}
	}
	for gvr, gvk := range want {
		if _, ok := m.running[gvr]; ok {
			continue
		}
		m.running[gvr] = m.start(gvr, gvk)
		added++
	}
	return added, removed
}

func (m *monitors) start(gvr schema.GroupVersionResource, gvk schema.GroupVersionKind) *monitor {
	inf := metadatainformer.NewFilteredMetadataInformer(m.client, gvr, metav1.NamespaceAll, 0, cache.Indexers{}, nil).Informer()
	// The graph needs only a few fields: keep the cache small.
	_ = inf.SetTransform(stripMeta)
	mon := &monitor{gvk: gvk, informer: inf, stop: make(chan struct{})}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if p, ok := obj.(*metav1.PartialObjectMetadata); ok {
				m.push(&event{typ: addEvent, obj: p, gvk: gvk})
			}
		},
		UpdateFunc: func(old, obj any) {
			p, ok := obj.(*metav1.PartialObjectMetadata)
			o, _ := old.(*metav1.PartialObjectMetadata)
			if ok {
				m.push(&event{typ: updateEvent, obj: p, old: o, gvk: gvk})
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if p, ok := obj.(*metav1.PartialObjectMetadata); ok {
				m.push(&event{typ: deleteEvent, obj: p, gvk: gvk})
			}
		},
	})
	go inf.Run(mon.stop)
	return mon
}

// synced reports whether every monitor has listed its resource.
func (m *monitors) synced() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.running) == 0 {
		return false
	}
	for _, mon := range m.running {
		if !mon.informer.HasSynced() {
			return false
		}
	}
	return true
}

// stopAll stops every monitor.
func (m *monitors) stopAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for gvr, mon := range m.running {
		close(mon.stop)
		delete(m.running, gvr)
	}
}

// stripMeta keeps what the graph uses of an object's metadata.
func stripMeta(obj any) (any, error) {
	p, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return obj, nil
	}
	return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: p.Name, Namespace: p.Namespace, UID: p.UID, ResourceVersion: p.ResourceVersion,
		OwnerReferences: p.OwnerReferences, Finalizers: p.Finalizers, DeletionTimestamp: p.DeletionTimestamp,
	}}, nil
}
