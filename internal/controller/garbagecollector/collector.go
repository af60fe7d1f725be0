// Package garbagecollector is upstream's garbage collector: it keeps a
// graph of ownerReferences over every resource that can be listed,
// watched and deleted, and deletes dependents whose owners are gone
// (background), deletes a foreground-deleting owner's dependents before
// the owner, and strips an orphaning owner's references from its
// dependents.
//
// The graph builder (builder.go) is one goroutine applying informer
// events; workers act on the API server: attemptToDelete (one UID: delete
// it if all its owners are gone, or finish a foreground deletion) and
// attemptToOrphan. Decisions are made on live GETs, not on the cache.
package garbagecollector

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/lru"

	"orca/internal/controller/deps"
	"orca/internal/controller/loop"
)

const name = "garbagecollector"

// defaultWorkers is upstream's --concurrent-gc-syncs default.
const defaultWorkers = 20

// resyncPeriod is how often discovery is re-read for new or removed
// resources (upstream: 30 s).
const resyncPeriod = 30 * time.Second

// absentCacheSize bounds the cache of owners confirmed absent (upstream's).
const absentCacheSize = 500

// Controller is the garbage collector.
type Controller struct {
	client   metadata.Interface
	disc     discovery.DiscoveryInterface
	mapper   *restmapper.DeferredDiscoveryRESTMapper
	recorder record.EventRecorder
	log      *slog.Logger

	g       *graph
	b       *builder
	mons    *monitors
	changes workqueue.TypedInterface[*event]
	pending atomic.Int64 // events pushed and not yet processed
	synced  atomic.Bool

	deletes *loop.Loop
	orphans *loop.Loop
	absents *lru.Cache
}

// New builds the collector; its monitors start in Run, after discovery.
func New(d *deps.Deps) (*Controller, error) {
	workers := d.Options.GCWorkers
	if workers == 0 {
		workers = defaultWorkers
	}
	c := newController(d.Metadata, d.Client.Discovery(), workers)
	if d.Recorder != nil {
		c.recorder = d.Recorder("garbage-collector-controller")
	}
	return c, nil
}

func newController(client metadata.Interface, disc discovery.DiscoveryInterface, workers int) *Controller {
	c := &Controller{
		client:  client,
		disc:    disc,
		mapper:  restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
		log:     slog.Default().With("controller", name),
		g:       newGraph(),
		changes: workqueue.NewTyped[*event](),
		absents: lru.New(absentCacheSize),
	}
	c.b = &builder{g: c.g, out: c}
	c.mons = &monitors{client: client, push: c.push}
	c.deletes = loop.New(name, loop.Func(c.reconcileDelete), workers, c.isSynced)
	c.orphans = loop.New(name+"-orphan", loop.Func(c.reconcileOrphan), workers, c.isSynced)
	return c
}

// Run builds the graph and collects until ctx ends. Nothing is deleted
// before every monitor has listed its resource and the graph holds it.
func (c *Controller) Run(ctx context.Context) {
	defer c.changes.ShutDown()
	defer c.mons.stopAll()
	go c.processChanges()
	go wait.UntilWithContext(ctx, c.resync, resyncPeriod)
	done := make(chan struct{}, 2)
	go func() { c.deletes.Run(ctx); done <- struct{}{} }()
	go func() { c.orphans.Run(ctx); done <- struct{}{} }()
	<-ctx.Done()
	<-done
	<-done
}

// push hands an event to the graph builder.
func (c *Controller) push(ev *event) {
	c.pending.Add(1)
	c.changes.Add(ev)
}

func (c *Controller) processChanges() {
	for {
		ev, quit := c.changes.Get()
		if quit {
			return
		}
		c.b.process(ev)
		c.changes.Done(ev)
		c.pending.Add(-1)
	}
}

// isSynced: the monitors have listed everything and the graph builder has
// taken it in (then it stays true, as upstream's).
func (c *Controller) isSynced() bool {
	if c.synced.Load() {
		return true
	}
	if c.mons.synced() && c.pending.Load() == 0 {
		c.synced.Store(true)
	}
	return c.synced.Load()
}

// resync follows discovery: monitors for new resources (CRDs), none for
// removed ones. A partial discovery failure only adds.
func (c *Controller) resync(ctx context.Context) {
	want, err := deletableResources(c.disc)
	if err != nil {
		c.log.Warn("discovery", "err", err)
		if len(want) == 0 {
			return
		}
	}
	added, removed := c.mons.sync(want, err == nil)
	if added+removed > 0 {
		c.mapper.Reset()
		c.log.Debug("monitors", "added", added, "removed", removed)
	}
}

// The builder's sink.

func (c *Controller) attemptToDelete(uid types.UID) { c.deletes.Add(string(uid)) }
func (c *Controller) attemptToOrphan(uid types.UID) { c.orphans.Add(string(uid)) }
func (c *Controller) absent(ref objectRef)          { c.absents.Add(ref, struct{}{}) }

func (c *Controller) isAbsent(ref objectRef) bool {
	_, ok := c.absents.Get(ref)
	return ok
}

func (c *Controller) invalidNamespace(dep objectRef, o metav1.OwnerReference) {
	if c.recorder == nil {
		return
	}
	ref := &corev1.ObjectReference{Kind: dep.Kind, APIVersion: dep.APIVersion, Namespace: dep.Namespace, Name: dep.Name, UID: dep.UID}
	invalid := objectRef{APIVersion: o.APIVersion, Kind: o.Kind, Name: o.Name, UID: o.UID, Namespace: dep.Namespace}
	c.recorder.Eventf(ref, corev1.EventTypeWarning, "OwnerRefInvalidNamespace", "ownerRef %s does not exist in namespace %q", invalid, dep.Namespace)
}

// virtualDelete tells the graph builder that id is confirmed absent.
func (c *Controller) virtualDelete(id objectRef) {
	gv, _ := schema.ParseGroupVersion(id.APIVersion)
	c.push(&event{
		typ: deleteEvent, virtual: true, id: &id, gvk: gv.WithKind(id.Kind),
		obj: &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: id.Name, Namespace: id.Namespace, UID: id.UID}},
	})
}

var (
	// errVirtualDeleted: the item is gone; the graph builder removes it.
	errVirtualDeleted = errors.New("item not found: virtual delete event queued")
	// errNamespacedOwnerOfClusterScoped will not resolve on retry.
	errNamespacedOwnerOfClusterScoped = errors.New("cluster-scoped objects cannot refer to namespaced owners")
)

// reconcileDelete is upstream's attemptToDelete worker for one UID.
func (c *Controller) reconcileDelete(ctx context.Context, key string) (time.Duration, error) {
	uid := types.UID(key)
	v, ok := c.g.view(uid)
	if !ok {
		return 0, nil
	}
	err := c.attemptToDeleteItem(ctx, v)
	switch {
	case errors.Is(err, errVirtualDeleted), errors.Is(err, errNamespacedOwnerOfClusterScoped):
		return 0, nil
	case err != nil:
		return 0, err
	case v.virtual:
		// The owner exists but no informer has shown it yet: look again
		// until one does (or it is gone), backing off.
		return virtualBackoff(c.g.bumpChecks(uid)), nil
	}
	return 0, nil
}

func virtualBackoff(checks int) time.Duration {
	d := 50 * time.Millisecond << min(checks, 13)
	return min(d, 5*time.Minute)
}

// reconcileOrphan is upstream's attemptToOrphan worker: strip the owner's
// references from its dependents, then its orphan finalizer.
func (c *Controller) reconcileOrphan(ctx context.Context, key string) (time.Duration, error) {
	v, ok := c.g.view(types.UID(key))
	if !ok {
		return 0, nil
	}
	if err := c.orphanDependents(ctx, v.identity, c.g.dependents(v.identity.UID)); err != nil {
		return 0, err
	}
	return 0, c.removeFinalizer(ctx, v.identity, metav1.FinalizerOrphanDependents)
}
