// Package statefulset is the StatefulSet controller: pods with stable
// names, hostnames and claims, created in order (OrderedReady) or all at
// once (Parallel), scaled down from the highest ordinal, updated from the
// highest ordinal down (RollingUpdate with partition and maxUnavailable)
// or when deleted (OnDelete), with the set's history in
// ControllerRevisions — upstream's semantics.
package statefulset

import (
	"context"
	"log/slog"
	"maps"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
	"orca/internal/controller/loop"
)

const name = "statefulset"

// Controller is the statefulset controller.
type Controller struct {
	client    kubernetes.Interface
	sets      appslisters.StatefulSetLister
	pods      corelisters.PodLister
	revisions appslisters.ControllerRevisionLister
	claims    corelisters.PersistentVolumeClaimLister
	recorder  record.EventRecorder
	loop      *loop.Loop
	log       *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	setInf := d.Informers.Apps().V1().StatefulSets()
	podInf := d.Informers.Core().V1().Pods()
	revInf := d.Informers.Apps().V1().ControllerRevisions()
	claimInf := d.Informers.Core().V1().PersistentVolumeClaims()
	c := &Controller{
		client:    d.Client,
		sets:      setInf.Lister(),
		pods:      podInf.Lister(),
		revisions: revInf.Lister(),
		claims:    claimInf.Lister(),
		recorder:  d.Recorder("statefulset-controller"),
		log:       slog.Default().With("controller", name),
	}
	c.loop = loop.New(name, c, d.Options.Workers,
		setInf.Informer().HasSynced, podInf.Informer().HasSynced,
		revInf.Informer().HasSynced, claimInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(setInf.Informer(), c.loop.Handler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(podInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	}); err != nil {
		return nil, err
	}
	// A claim going away may unblock a pod waiting for its stale claim.
	if _, err := d.Handlers.Add(claimInf.Informer(), cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.deleteClaim,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// ownerKey is the key of the StatefulSet controlling obj, or "".
func (c *Controller) ownerKey(obj metav1.Object) string {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil || ref.Kind != kind.Kind || ref.APIVersion != kind.GroupVersion().String() {
		return ""
	}
	set, err := c.sets.StatefulSets(obj.GetNamespace()).Get(ref.Name)
	if err != nil || set.UID != ref.UID {
		return ""
	}
	return set.Namespace + "/" + set.Name
}

// enqueueMatching queues the sets that might adopt an orphan.
func (c *Controller) enqueueMatching(obj metav1.Object) {
	sets, err := c.sets.StatefulSets(obj.GetNamespace()).List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range sets {
		sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(obj.GetLabels())) {
			continue
		}
		c.loop.Add(s.Namespace + "/" + s.Name)
	}
}

func (c *Controller) addPod(obj any) {
	p := obj.(*v1.Pod)
	if metav1.GetControllerOfNoCopy(p) != nil {
		if key := c.ownerKey(p); key != "" {
			c.loop.Add(key)
		}
		return
	}
	if p.DeletionTimestamp == nil {
		c.enqueueMatching(p)
	}
}

func (c *Controller) updatePod(old, cur any) {
	o, n := old.(*v1.Pod), cur.(*v1.Pod)
	if o.ResourceVersion == n.ResourceVersion {
		return
	}
	oldRef, newRef := metav1.GetControllerOfNoCopy(o), metav1.GetControllerOfNoCopy(n)
	if oldRef != nil && (newRef == nil || oldRef.UID != newRef.UID) {
		if key := c.ownerKey(o); key != "" {
			c.loop.Add(key)
		}
	}
	if newRef != nil {
		if key := c.ownerKey(n); key != "" {
			c.loop.Add(key)
		}
		return
	}
	if n.DeletionTimestamp == nil && (!maps.Equal(o.Labels, n.Labels) || oldRef != nil) {
		c.enqueueMatching(n)
	}
}

func (c *Controller) deletePod(obj any) {
	p, ok := loop.Deleted[*v1.Pod](obj)
	if !ok {
		return
	}
	if key := c.ownerKey(p); key != "" {
		c.loop.Add(key)
	}
}

func (c *Controller) deleteClaim(obj any) {
	pvc, ok := loop.Deleted[*v1.PersistentVolumeClaim](obj)
	if !ok {
		return
	}
	c.enqueueMatching(pvc)
}
