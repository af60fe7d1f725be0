// Package deployment is the deployment controller: it rolls a
// Deployment's pod template out through ReplicaSets (one per template,
// named <deployment>-<pod-template-hash>), RollingUpdate or Recreate,
// scales them, keeps revision history and reports progress in the
// Deployment's status. The ReplicaSet controller makes the pods.
package deployment

import (
	"context"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
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

const name = "deployment"

// controllerKind is what the ReplicaSets' owner references name.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("Deployment")

// Controller is the deployment controller.
type Controller struct {
	client   kubernetes.Interface
	dLister  appslisters.DeploymentLister
	rsLister appslisters.ReplicaSetLister
	podList  corelisters.PodLister
	recorder record.EventRecorder
	loop     *loop.Loop
	log      *slog.Logger
	now      func() time.Time
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	dInf := d.Informers.Apps().V1().Deployments()
	rsInf := d.Informers.Apps().V1().ReplicaSets()
	podInf := d.Informers.Core().V1().Pods()
	c := &Controller{
		client:   d.Client,
		dLister:  dInf.Lister(),
		rsLister: rsInf.Lister(),
		podList:  podInf.Lister(),
		recorder: d.Recorder("deployment-controller"),
		log:      slog.Default().With("controller", name),
		now:      time.Now,
	}
	c.loop = loop.New(name, c, d.Options.Workers, dInf.Informer().HasSynced, rsInf.Informer().HasSynced, podInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(dInf.Informer(), c.loop.Handler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(rsInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.replicaSetChanged,
		UpdateFunc: func(old, cur any) { c.replicaSetUpdated(old, cur) },
		DeleteFunc: c.replicaSetChanged,
	}); err != nil {
		return nil, err
	}
	// Recreate waits for the old pods to be gone: their deletion is the
	// event that lets it go on.
	if _, err := d.Handlers.Add(podInf.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: c.podDeleted}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// replicaSetChanged queues the ReplicaSet's Deployment: its owner, or for
// an orphan every Deployment that might adopt it.
func (c *Controller) replicaSetChanged(obj any) {
	rs := asReplicaSet(obj)
	if rs == nil {
		return
	}
	if d := c.owner(rs); d != nil {
		c.loop.Enqueue(d)
		return
	}
	for _, d := range c.selecting(rs) {
		c.loop.Enqueue(d)
	}
}

// replicaSetUpdated also queues the former owner when the controller
// reference changed.
func (c *Controller) replicaSetUpdated(oldObj, curObj any) {
	old, cur := asReplicaSet(oldObj), asReplicaSet(curObj)
	if old == nil || cur == nil || old.ResourceVersion == cur.ResourceVersion {
		return
	}
	if d := c.owner(old); d != nil && c.owner(cur) != d {
		c.loop.Enqueue(d)
	}
	c.replicaSetChanged(cur)
}

// podDeleted queues a Recreate Deployment whose old pod went away.
func (c *Controller) podDeleted(obj any) {
	pod, ok := loop.Deleted[*v1.Pod](obj)
	if !ok {
		return
	}
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	rs, err := c.rsLister.ReplicaSets(pod.Namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return
	}
	if d := c.owner(rs); d != nil && d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		c.loop.Enqueue(d)
	}
}

func asReplicaSet(obj any) *appsv1.ReplicaSet {
	rs, _ := loop.Deleted[*appsv1.ReplicaSet](obj)
	return rs
}

// owner is the Deployment the ReplicaSet's controller reference names, if
// it exists (same UID).
func (c *Controller) owner(rs *appsv1.ReplicaSet) *appsv1.Deployment {
	ref := metav1.GetControllerOfNoCopy(rs)
	if ref == nil || ref.Kind != controllerKind.Kind {
		return nil
	}
	d, err := c.dLister.Deployments(rs.Namespace).Get(ref.Name)
	if err != nil || d.UID != ref.UID {
		return nil
	}
	return d
}

// selecting lists the Deployments of rs's namespace whose selector
// matches it (candidates to adopt an orphan).
func (c *Controller) selecting(rs *appsv1.ReplicaSet) []*appsv1.Deployment {
	if metav1.GetControllerOfNoCopy(rs) != nil || len(rs.Labels) == 0 {
		return nil
	}
	ds, err := c.dLister.Deployments(rs.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*appsv1.Deployment
	for _, d := range ds {
		sel, err := selectorOf(d)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(rs.Labels)) {
			out = append(out, d)
		}
	}
	return out
}
