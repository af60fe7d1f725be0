// Package informerset lets components that start and stop on their own
// (the scheduler and the controller manager, each while it holds its
// Lease) share one process's informers: one watch and one cached copy of
// every pod instead of one per component.
package informerset

import (
	"errors"
	"sync"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"orca/internal/cachetrim"
)

// Resync is the shared informers' default resync period (upstream's
// controller manager resyncs between 12 and 24 hours).
const Resync = 10 * time.Hour

// New is the informer factory of a component that has its own: managed
// fields stripped (cachetrim), resync as Resync.
func New(client kubernetes.Interface) informers.SharedInformerFactory {
	return informers.NewSharedInformerFactoryWithOptions(client, Resync, informers.WithTransform(cachetrim.StripManagedFields))
}

// SharedFor is Shared with a client of the server at cfg, speaking
// protobuf as orca's components do.
func SharedFor(cfg *rest.Config, stop <-chan struct{}) (informers.SharedInformerFactory, error) {
	cfg = Protobuf(cfg)
	cfg.QPS, cfg.Burst = -1, -1
	cfg.UserAgent = "orca-informers"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return Shared(client, stop), nil
}

// Protobuf is a copy of cfg for a client that speaks protobuf to the
// server, as orca's own components do (JSON for what has no protobuf).
func Protobuf(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	return cfg
}

// Shared is a factory for several components: its informers run until
// stop closes, whatever stop channel a component starts them with, and
// a component's Shutdown leaves them running. A component that stops
// must remove the handlers it added (Handlers).
func Shared(client kubernetes.Interface, stop <-chan struct{}) informers.SharedInformerFactory {
	return shared{SharedInformerFactory: New(client), stop: stop}
}

type shared struct {
	informers.SharedInformerFactory
	stop <-chan struct{}
}

func (f shared) Start(<-chan struct{}) { f.SharedInformerFactory.Start(f.stop) }
func (f shared) Shutdown()             {}

// Handlers adds event handlers to informers and removes them all when
// its component stops, so that informers outliving the component stop
// calling into it, and a component started again (a new term as leader)
// does not get every event twice. The zero value is ready; a nil
// *Handlers only adds.
type Handlers struct {
	mu   sync.Mutex
	regs []registration
}

type registration struct {
	inf cache.SharedIndexInformer
	reg cache.ResourceEventHandlerRegistration
}

// Add adds h to inf, with the informer's resync period.
func (hs *Handlers) Add(inf cache.SharedIndexInformer, h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
	return hs.add(inf, h, inf.AddEventHandler)
}

// AddNoResync adds h to inf; h gets no periodic resync (the scheduler's
// handlers, as upstream's, whatever the factory's default).
func (hs *Handlers) AddNoResync(inf cache.SharedIndexInformer, h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
	return hs.add(inf, h, func(h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
		return inf.AddEventHandlerWithResyncPeriod(h, 0)
	})
}

func (hs *Handlers) add(inf cache.SharedIndexInformer, h cache.ResourceEventHandler,
	add func(cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error)) (cache.ResourceEventHandlerRegistration, error) {
	reg, err := add(h)
	if err != nil || hs == nil {
		return reg, err
	}
	hs.mu.Lock()
	hs.regs = append(hs.regs, registration{inf, reg})
	hs.mu.Unlock()
	return reg, nil
}

// RemoveAll removes every handler added so far.
func (hs *Handlers) RemoveAll() error {
	if hs == nil {
		return nil
	}
	hs.mu.Lock()
	regs := hs.regs
	hs.regs = nil
	hs.mu.Unlock()
	var errs []error
	for _, r := range regs {
		errs = append(errs, r.inf.RemoveEventHandler(r.reg))
	}
	return errors.Join(errs...)
}

// Len is how many handlers are added (tests).
func (hs *Handlers) Len() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.regs)
}

// AddIndexers adds the indexers inf does not have yet: on a shared
// informer, a component started again finds its indexers there, and an
// informer already running refuses new ones.
func AddIndexers(inf cache.SharedIndexInformer, indexers cache.Indexers) error {
	have := inf.GetIndexer().GetIndexers()
	missing := cache.Indexers{}
	for name, f := range indexers {
		if _, ok := have[name]; !ok {
			missing[name] = f
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return inf.AddIndexers(missing)
}
