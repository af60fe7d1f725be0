package daemonset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/loop"
	"orca/internal/controller/pods"
)

// Informer events: what each change means for which DaemonSets.

func (c *Controller) podHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	}
}

func (c *Controller) addPod(obj any) {
	p := obj.(*v1.Pod)
	if p.DeletionTimestamp != nil {
		// Seen for the first time already being deleted (a restart):
		// count it as gone.
		c.deletePod(p)
		return
	}
	if ds := c.ownerOf(p); ds != nil {
		key, _ := cache.MetaNamespaceKeyFunc(ds)
		c.exp.CreationObserved(createKey(key))
		c.loop.Add(key)
		return
	}
	if metav1.GetControllerOfNoCopy(p) == nil {
		c.enqueueMatching(p.Namespace, p.Labels)
	}
}

func (c *Controller) updatePod(oldObj, curObj any) {
	old, cur := oldObj.(*v1.Pod), curObj.(*v1.Pod)
	if old.ResourceVersion == cur.ResourceVersion {
		return // a resync
	}
	if cur.DeletionTimestamp != nil {
		// A graceful deletion: the deletion the controller expects has
		// happened as far as it is concerned.
		c.deletePod(cur)
		return
	}
	curDS, oldDS := c.ownerOf(cur), c.ownerOf(old)
	if oldDS != nil && (curDS == nil || curDS.UID != oldDS.UID) {
		c.loop.Enqueue(oldDS) // released or moved: its old owner recounts
	}
	if curDS != nil {
		c.loop.Enqueue(curDS)
		// Recount availability once minReadySeconds has passed.
		if curDS.Spec.MinReadySeconds > 0 && !pods.IsReady(old) && pods.IsReady(cur) {
			key, _ := cache.MetaNamespaceKeyFunc(curDS)
			c.loop.AddAfter(key, time.Duration(curDS.Spec.MinReadySeconds)*time.Second+time.Second)
		}
		return
	}
	if metav1.GetControllerOfNoCopy(cur) == nil && (!labels.Equals(old.Labels, cur.Labels) || metav1.GetControllerOfNoCopy(old) != nil) {
		c.enqueueMatching(cur.Namespace, cur.Labels)
	}
}

func (c *Controller) deletePod(obj any) {
	p, ok := loop.Deleted[*v1.Pod](obj)
	if !ok {
		return
	}
	ds := c.ownerOf(p)
	if ds == nil {
		return
	}
	key, _ := cache.MetaNamespaceKeyFunc(ds)
	c.exp.DeletionObserved(deleteKey(key), p.UID)
	c.loop.Add(key)
}

func (c *Controller) nodeHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			n := obj.(*v1.Node)
			c.forEachDaemonSet(func(ds *appsv1.DaemonSet) bool {
				run, _ := shouldRun(n, ds)
				return run
			})
		},
		UpdateFunc: func(oldObj, curObj any) {
			old, cur := oldObj.(*v1.Node), curObj.(*v1.Node)
			// Only labels and taints decide eligibility; heartbeats and
			// status changes do not.
			if labels.Equals(old.Labels, cur.Labels) && equality.Semantic.DeepEqual(old.Spec.Taints, cur.Spec.Taints) {
				return
			}
			c.forEachDaemonSet(func(ds *appsv1.DaemonSet) bool {
				or, ok := shouldRun(old, ds)
				cr, ck := shouldRun(cur, ds)
				return or != cr || ok != ck
			})
		},
		// Unbound pods meant for a deleted node are the controller's to
		// delete.
		DeleteFunc: func(any) { c.forEachDaemonSet(func(*appsv1.DaemonSet) bool { return true }) },
	}
}

// forEachDaemonSet queues the DaemonSets for which want is true.
func (c *Controller) forEachDaemonSet(want func(*appsv1.DaemonSet) bool) {
	dss, err := c.dsLister.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range dss {
		if want(ds) {
			c.loop.Enqueue(ds)
		}
	}
}

func (c *Controller) historyHandler() cache.ResourceEventHandler {
	enqueue := func(obj any) {
		r, ok := loop.Deleted[*appsv1.ControllerRevision](obj)
		if !ok {
			return
		}
		if ds := c.ownerOf(r); ds != nil {
			c.loop.Enqueue(ds)
			return
		}
		if metav1.GetControllerOfNoCopy(r) == nil {
			c.enqueueMatching(r.Namespace, r.Labels)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, cur any) { enqueue(cur) },
		DeleteFunc: enqueue,
	}
}
