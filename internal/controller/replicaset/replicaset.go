// Package replicaset is the ReplicaSet controller, which also serves
// ReplicationControllers: it holds spec.replicas active pods matching the
// selector, adopting matching orphans and releasing pods that stop
// matching, creates in slow-start batches and deletes surplus pods in
// upstream's order, and reports replicas, readiness and availability in the
// status. One reconciler serves both kinds through the kind adapter.
package replicaset

import (
	"context"
	"log/slog"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
	"orca/internal/controller/expectations"
	"orca/internal/controller/loop"
	"orca/internal/informerset"
)

// Controller runs one reconciler per kind over a shared pod informer.
type Controller struct {
	client kubernetes.Interface
	pods   cache.Indexer
	rs, rc *reconciler
}

// reconciler reconciles the objects of one kind.
type reconciler struct {
	kind
	c        *Controller
	name     string
	exp      *expectations.Expectations
	recorder record.EventRecorder
	loop     *loop.Loop
	log      *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	podInf := d.Informers.Core().V1().Pods().Informer()
	if err := informerset.AddIndexers(podInf, cache.Indexers{ownerIndex: ownerIndexFunc}); err != nil {
		return nil, err
	}
	rsInf := d.Informers.Apps().V1().ReplicaSets()
	rcInf := d.Informers.Core().V1().ReplicationControllers()
	c := &Controller{client: d.Client, pods: podInf.GetIndexer()}
	c.rs = c.newReconciler("replicaset", rsKind{client: d.Client, lister: rsInf.Lister()},
		d.Recorder("replicaset-controller"), d.Options.Workers, podInf.HasSynced, rsInf.Informer().HasSynced)
	c.rc = c.newReconciler("replicationcontroller", rcKind{client: d.Client, lister: rcInf.Lister()},
		d.Recorder("replication-controller"), d.Options.Workers, podInf.HasSynced, rcInf.Informer().HasSynced)
	for _, x := range []struct {
		inf cache.SharedIndexInformer
		r   *reconciler
	}{{rsInf.Informer(), c.rs}, {rcInf.Informer(), c.rc}} {
		if err := x.r.loop.Handle(d.Handlers, x.inf, x.r.ownerHandler()); err != nil {
			return nil, err
		}
	}
	pods, err := d.Handlers.Add(podInf, cache.ResourceEventHandlerFuncs{
		AddFunc: c.addPod, UpdateFunc: c.updatePod, DeleteFunc: c.deletePod,
	})
	if err != nil {
		return nil, err
	}
	// The pod adds count as observed creations: no reconcile before the
	// initial ones are all in (see loop.Handle).
	c.rs.loop.WaitFor(pods.HasSynced)
	c.rc.loop.WaitFor(pods.HasSynced)
	return c, nil
}

func (c *Controller) newReconciler(name string, k kind, rec record.EventRecorder, workers int, synced ...cache.InformerSynced) *reconciler {
	r := &reconciler{
		kind: k, c: c, name: name, exp: expectations.New(), recorder: rec,
		log: slog.Default().With("controller", name),
	}
	r.loop = loop.New(name, loop.Func(r.reconcile), workers, synced...)
	// Each reconcile walks all of the set's pods, and a large set's pods
	// change hundreds of times a second while it scales or rolls: a set
	// whose reconcile took 10 ms is reconciled at most every 100 ms, its
	// pods' changes meanwhile together.
	r.loop.Pace(10, 100*time.Millisecond)
	return r
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { c.rs.loop.Run(ctx) })
	wg.Go(func() { c.rc.loop.Run(ctx) })
	wg.Wait()
}

// forRef is the reconciler of the kind a controller reference names, or nil.
func (c *Controller) forRef(ref *metav1.OwnerReference) *reconciler {
	switch {
	case ref.Kind == "ReplicaSet" && groupOf(ref.APIVersion) == appsv1.GroupName:
		return c.rs
	case ref.Kind == "ReplicationController" && groupOf(ref.APIVersion) == v1.GroupName:
		return c.rc
	}
	return nil
}
