// Package loop runs a controller's reconcile function over a work queue:
// informers add keys, workers take them one at a time per key, errors
// retry with back-off, and a reconcile may ask to run again later.
package loop

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"orca/internal/informerset"
)

// Reconciler brings one object (its key, "namespace/name" or "name") to
// its desired state. It is idempotent; requeueAfter > 0 asks for another
// run after that long even without a change.
type Reconciler interface {
	Reconcile(ctx context.Context, key string) (requeueAfter time.Duration, err error)
}

// Func adapts a function to Reconciler.
type Func func(ctx context.Context, key string) (time.Duration, error)

// Reconcile calls f.
func (f Func) Reconcile(ctx context.Context, key string) (time.Duration, error) { return f(ctx, key) }

// Loop is a work queue with workers calling a Reconciler. A key is never
// reconciled by two workers at once.
type Loop struct {
	name    string
	r       Reconciler
	workers int
	synced  []cache.InformerSynced
	queue   workqueue.TypedRateLimitingInterface[string]
	log     *slog.Logger
	pace    *pacer
}

// New makes a loop named name (used in logs and metrics) that runs
// workers goroutines once every synced reports true.
func New(name string, r Reconciler, workers int, synced ...cache.InformerSynced) *Loop {
	if workers < 1 {
		workers = 1
	}
	return &Loop{
		name: name, r: r, workers: workers, synced: synced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			// Per-key back-off only: upstream's overall token bucket
			// would cap throughput below what the server takes.
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, 1000*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: name}),
		log: slog.Default().With("controller", name),
	}
}

// Handle registers h on inf, and Run starts no worker before h has been
// handed every object of the informer's initial list. The informer's own
// HasSynced is not enough: handlers run behind it. A controller that
// counts events (expectations) and reconciled while the initial adds were
// still arriving, after a restart or a leader change, would take the
// adds of pods that existed before for the creations it just made, and
// create them again.
// hs adds it (nil: added for good).
func (l *Loop) Handle(hs *informerset.Handlers, inf cache.SharedIndexInformer, h cache.ResourceEventHandler) error {
	reg, err := hs.Add(inf, h)
	if err != nil {
		return err
	}
	l.WaitFor(reg.HasSynced)
	return nil
}

// WaitFor makes Run wait for more before starting workers (a handler that
// feeds several loops). Call before Run.
func (l *Loop) WaitFor(synced ...cache.InformerSynced) {
	l.synced = append(l.synced, synced...)
}

// Pace keeps an expensive key from being reconciled back to back: after
// a reconcile that took d, the key is not reconciled again until factor·d
// (at most max) has passed since it ended, and the events that arrive
// meanwhile are handled together by that next reconcile. A ReplicaSet of
// 10,000 pods walks them all in each reconcile while they change hundreds
// of times a second. Keys reconciled in under a millisecond are not held
// back. Call before Run.
func (l *Loop) Pace(factor int, max time.Duration) {
	l.pace = &pacer{factor: factor, max: max, next: map[string]time.Time{}}
}

// Add queues key now.
func (l *Loop) Add(key string) { l.queue.Add(key) }

// AddAfter queues key after d.
func (l *Loop) AddAfter(key string, d time.Duration) { l.queue.AddAfter(key, d) }

// Enqueue queues the key of an informer object (also of a deleted one's
// tombstone).
func (l *Loop) Enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		l.log.Warn("no key for object", "err", err)
		return
	}
	l.queue.Add(key)
}

// Handler queues the object's own key on every add, update and delete.
func (l *Loop) Handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    l.Enqueue,
		UpdateFunc: func(_, obj any) { l.Enqueue(obj) },
		DeleteFunc: l.Enqueue,
	}
}

// Len is the number of queued keys (for tests and metrics).
func (l *Loop) Len() int { return l.queue.Len() }

// Run waits for the informers, then reconciles until ctx ends.
func (l *Loop) Run(ctx context.Context) {
	defer l.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), l.synced...) {
		return
	}
	go func() {
		<-ctx.Done()
		l.queue.ShutDown()
	}()
	var wg sync.WaitGroup
	for i := 0; i < l.workers; i++ {
		wg.Go(func() {
			for l.next(ctx) {
			}
		})
	}
	wg.Wait()
}

func (l *Loop) next(ctx context.Context) bool {
	key, quit := l.queue.Get()
	if quit {
		return false
	}
	defer l.queue.Done(key)
	start := time.Now()
	if wait := l.pace.wait(key, start); wait > 0 {
		l.queue.AddAfter(key, wait)
		return true
	}
	after, err := l.r.Reconcile(ctx, key)
	l.pace.done(key, start, time.Now())
	switch {
	case err != nil:
		if ctx.Err() == nil {
			l.log.Warn("reconcile", "key", key, "err", err)
		}
		l.queue.AddRateLimited(key)
	case after > 0:
		l.queue.Forget(key)
		l.queue.AddAfter(key, after)
	default:
		l.queue.Forget(key)
	}
	return true
}
