package disruption

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/restmapper"
)

// finders resolve a pod's controllerRef to a scale, in upstream's order:
// ReplicationController, Deployment (through its ReplicaSet), ReplicaSet
// not owned by a Deployment, StatefulSet, then any kind with a scale
// subresource.
type finders struct {
	rcs          corelisters.ReplicationControllerLister
	replicaSets  appslisters.ReplicaSetLister
	deployments  appslisters.DeploymentLister
	statefulSets appslisters.StatefulSetLister
	generic      *scaleSubresource
}

func (f *finders) find(ctx context.Context, ref *metav1.OwnerReference, ns string) (*scale, error) {
	for _, fn := range []scaleFinder{f.replicationController, f.deployment, f.replicaSet, f.statefulSet, f.generic.find} {
		s, err := fn(ctx, ref, ns)
		if err != nil || s != nil {
			return s, err
		}
	}
	return nil, nil
}

// isKind: ref names kind in one of groups.
func isKind(ref *metav1.OwnerReference, kind string, groups ...string) (bool, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return false, err
	}
	if ref.Kind != kind {
		return false, nil
	}
	for _, g := range groups {
		if gv.Group == g {
			return true, nil
		}
	}
	return false, nil
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1 // the API server defaults it; a lister copy always has it
	}
	return *p
}

func (f *finders) replicationController(_ context.Context, ref *metav1.OwnerReference, ns string) (*scale, error) {
	if ok, err := isKind(ref, "ReplicationController", ""); !ok || err != nil {
		return nil, err
	}
	rc, err := f.rcs.ReplicationControllers(ns).Get(ref.Name)
	if err != nil || rc.UID != ref.UID {
		return nil, nil // gone, or another object of that name
	}
	return &scale{rc.UID, replicas(rc.Spec.Replicas)}, nil
}

// deployment: a pod of a ReplicaSet a Deployment controls counts the
// Deployment's replicas (all its ReplicaSets' pods share that scale).
func (f *finders) deployment(_ context.Context, ref *metav1.OwnerReference, ns string) (*scale, error) {
	if ok, err := isKind(ref, "ReplicaSet", "apps", "extensions"); !ok || err != nil {
		return nil, err
	}
	rs, err := f.replicaSets.ReplicaSets(ns).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil, nil
	}
	dref := metav1.GetControllerOf(rs)
	if dref == nil {
		return nil, nil
	}
	if ok, err := isKind(dref, "Deployment", "apps", "extensions"); !ok || err != nil {
		return nil, err
	}
	d, err := f.deployments.Deployments(ns).Get(dref.Name)
	if err != nil || d.UID != dref.UID {
		return nil, nil
	}
	return &scale{d.UID, replicas(d.Spec.Replicas)}, nil
}

func (f *finders) replicaSet(_ context.Context, ref *metav1.OwnerReference, ns string) (*scale, error) {
	if ok, err := isKind(ref, "ReplicaSet", "apps", "extensions"); !ok || err != nil {
		return nil, err
	}
	rs, err := f.replicaSets.ReplicaSets(ns).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil, nil
	}
	if c := metav1.GetControllerOf(rs); c != nil && c.Kind == "Deployment" {
		return nil, nil // the deployment finder's business
	}
	return &scale{rs.UID, replicas(rs.Spec.Replicas)}, nil
}

func (f *finders) statefulSet(_ context.Context, ref *metav1.OwnerReference, ns string) (*scale, error) {
	if ok, err := isKind(ref, "StatefulSet", "apps"); !ok || err != nil {
		return nil, err
	}
	ss, err := f.statefulSets.StatefulSets(ns).Get(ref.Name)
	if err != nil || ss.UID != ref.UID {
		return nil, nil
	}
	return &scale{ss.UID, replicas(ss.Spec.Replicas)}, nil
}

// scaleSubresource reads any controller's scale subresource (custom
// resources, say), mapping its kind to a resource through discovery.
type scaleSubresource struct {
	discovery discovery.DiscoveryInterface
	dynamic   dynamic.Interface

	once   sync.Once
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

func (g *scaleSubresource) restMapper() *restmapper.DeferredDiscoveryRESTMapper {
	g.once.Do(func() {
		g.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(g.discovery))
	})
	return g.mapper
}

func (g *scaleSubresource) mapping(gk schema.GroupKind, version string) (*apimeta.RESTMapping, error) {
	m, err := g.restMapper().RESTMapping(gk, version)
	if apimeta.IsNoMatchError(err) {
		g.restMapper().Reset() // a kind installed since discovery was cached
		m, err = g.restMapper().RESTMapping(gk, version)
	}
	return m, err
}

func (g *scaleSubresource) find(ctx context.Context, ref *metav1.OwnerReference, ns string) (*scale, error) {
	if g == nil || g.dynamic == nil || g.discovery == nil {
		return nil, nil
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, err
	}
	m, err := g.mapping(schema.GroupKind{Group: gv.Group, Kind: ref.Kind}, gv.Version)
	if err != nil {
		return nil, err
	}
	u, err := g.dynamic.Resource(m.Resource).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{}, "scale")
	if apierrors.IsNotFound(err) {
		// Either the object is gone or its kind has no scale subresource:
		// only the second is an error.
		if ok, derr := g.implementsScale(m.Resource); derr != nil || !ok {
			if derr != nil {
				return nil, derr
			}
			return nil, fmt.Errorf("%s does not implement the scale subresource", m.Resource.GroupResource())
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if u.GetUID() != ref.UID {
		return nil, nil
	}
	n, _, err := unstructured.NestedInt64(u.Object, "spec", "replicas")
	if err != nil {
		return nil, err
	}
	return &scale{types.UID(u.GetUID()), int32(n)}, nil
}

func (g *scaleSubresource) implementsScale(gvr schema.GroupVersionResource) (bool, error) {
	list, err := g.discovery.ServerResourcesForGroupVersion(gvr.GroupVersion().String())
	if err != nil {
		return false, err
	}
	for _, r := range list.APIResources {
		if r.Name == gvr.Resource+"/scale" && r.Kind == "Scale" && (r.Group == "" || r.Group == "autoscaling") {
			return true, nil
		}
	}
	return false, nil
}
