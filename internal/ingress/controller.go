// Package ingress is the built-in ingress controller every agent runs: it
// serves HTTP and HTTPS on the node for the Ingresses of the IngressClasses
// with controller orca.dev/ingress (the default class "orca"), routing by
// host and path straight to the ready endpoints of the backend Services.
//
// Routing is pure: Build turns Ingresses, Services, EndpointSlices and TLS
// Secrets into an immutable Table, and Handler serves whatever Table was
// swapped in last. This file is the thin I/O layer that rebuilds the Table
// from informers.
package ingress

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	"k8s.io/client-go/tools/cache"
)

// Config is the node's ingress.
type Config struct {
	// HTTPPort and HTTPSPort are the ports served on every node address
	// (80 and 443 by default); 0 turns a listener off.
	HTTPPort, HTTPSPort int
	Logger              *slog.Logger
}

// Controller keeps the handler's Table in step with the cluster.
type Controller struct {
	handler    *Handler
	ingresses  networkinglisters.IngressLister
	classes    networkinglisters.IngressClassLister
	services   corelisters.ServiceLister
	slices     discoverylisters.EndpointSliceLister
	secrets    corelisters.SecretLister
	synced     []cache.InformerSynced
	secretsInf informers.SharedInformerFactory
	changed    chan struct{}
	log        *slog.Logger

	// used are the Services ("ns/name") the table being built or last
	// built routes to: changes to other Services and slices are ignored.
	mu   sync.Mutex
	used map[string]bool
	// certs caches parsed Secrets by "ns/name" (build goroutine only).
	certs map[string]parsedCert
}

type parsedCert struct {
	resourceVersion string
	cert            *tls.Certificate
}

// Start registers the ingress's informers on the node's shared factory
// (before the caller starts it), starts a factory of its own for TLS
// Secrets only, binds the listeners and serves until ctx ends. Both ports
// 0 means no ingress on this node.
func Start(ctx context.Context, cfg Config, client kubernetes.Interface, factory informers.SharedInformerFactory) (*Controller, error) {
	if cfg.HTTPPort == 0 && cfg.HTTPSPort == 0 {
		return nil, nil
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c, err := newController(client, factory, cfg.Logger)
	if err != nil {
		return nil, err
	}
	def, err := DefaultCertificate()
	if err != nil {
		return nil, err
	}
	l, err := Listen(addr(cfg.HTTPPort), addr(cfg.HTTPSPort), c.handler, def, cfg.Logger)
	if err != nil {
		return nil, err
	}
	c.secretsInf.Start(ctx.Done())
	go l.Serve(ctx)
	go c.run(ctx)
	cfg.Logger.Info("ingress listening", "addrs", fmt.Sprint(l.Addrs()), "controller", ControllerName)
	return c, nil
}

func addr(port int) string {
	if port == 0 {
		return ""
	}
	return net.JoinHostPort("", strconv.Itoa(port))
}

func newController(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	// Only TLS Secrets, by the type field selector the API server
	// supports for Secrets, in a factory of their own.
	secretsInf := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = "type=" + string(corev1.SecretTypeTLS)
	}))
	ing := factory.Networking().V1().Ingresses()
	cls := factory.Networking().V1().IngressClasses()
	svc := factory.Core().V1().Services()
	sl := factory.Discovery().V1().EndpointSlices()
	sec := secretsInf.Core().V1().Secrets()
	c := &Controller{
		handler:   NewHandler(log),
		ingresses: ing.Lister(), classes: cls.Lister(), services: svc.Lister(), slices: sl.Lister(), secrets: sec.Lister(),
		synced:     []cache.InformerSynced{ing.Informer().HasSynced, cls.Informer().HasSynced, svc.Informer().HasSynced, sl.Informer().HasSynced, sec.Informer().HasSynced},
		secretsInf: secretsInf,
		changed:    make(chan struct{}, 1),
		log:        log,
		used:       map[string]bool{},
		certs:      map[string]parsedCert{},
	}
	always := handler(func(any) bool { return true }, c.trigger)
	used := handler(c.isUsed, c.trigger)
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{{ing.Informer(), always}, {cls.Informer(), always}, {sec.Informer(), always}, {svc.Informer(), used}, {sl.Informer(), used}} {
		if _, err := reg.inf.AddEventHandler(reg.h); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Handler is the controller's HTTP handler (benchmarks, tests).
func (c *Controller) Handler() *Handler { return c.handler }

// trigger asks for a rebuild; triggers while one is pending coalesce.
func (c *Controller) trigger() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// isUsed says whether a Service or EndpointSlice event concerns a Service
// the table routes to.
func (c *Controller) isUsed(obj any) bool {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	var key string
	switch o := obj.(type) {
	case *corev1.Service:
		key = o.Namespace + "/" + o.Name
	case *discoveryv1.EndpointSlice:
		key = o.Namespace + "/" + o.Labels[discoveryv1.LabelServiceName]
	default:
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used[key]
}

func handler(filter func(any) bool, f func()) cache.ResourceEventHandler {
	return cache.FilteringResourceEventHandler{
		FilterFunc: filter,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { f() },
			UpdateFunc: func(_, _ any) { f() },
			DeleteFunc: func(any) { f() },
		},
	}
}

// run rebuilds the table once the caches are synced and after every
// relevant change. Changes arriving during a build coalesce into one more.
func (c *Controller) run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.trigger()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.changed:
		}
		if err := c.rebuild(); err != nil {
			c.log.Warn("ingress: rebuild routes", "err", err)
			// Listers do not fail; try again a little later anyway.
			time.AfterFunc(time.Second, c.trigger)
		}
	}
}

func (c *Controller) rebuild() error {
	start := time.Now()
	ings, err := c.ingresses.List(labels.Everything())
	if err != nil {
		return err
	}
	classes, err := c.classes.List(labels.Everything())
	if err != nil {
		return err
	}
	ours := OurClasses(classes)
	// Record the Services about to be read before reading them, so a
	// change to one that lands meanwhile triggers another build.
	c.setUsed(usedServices(ings, ours))
	objs := &listerObjects{c: c, fresh: map[string]parsedCert{}}
	t := Build(ings, ours, objs)
	c.certs = objs.fresh
	c.handler.Swap(t)
	c.log.Debug("ingress: routes rebuilt", "ingresses", t.Ingresses, "took", time.Since(start))
	return nil
}

func (c *Controller) setUsed(used map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.used = used
}

// usedServices are the "ns/name" of the Services our Ingresses route to.
func usedServices(ings []*networkingv1.Ingress, classes Classes) map[string]bool {
	out := map[string]bool{}
	add := func(ns string, b *networkingv1.IngressBackend) {
		if b != nil && b.Service != nil {
			out[ns+"/"+b.Service.Name] = true
		}
	}
	for _, ing := range ings {
		if !classes.Serves(ing) {
			continue
		}
		add(ing.Namespace, ing.Spec.DefaultBackend)
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for i := range r.HTTP.Paths {
				add(ing.Namespace, &r.HTTP.Paths[i].Backend)
			}
		}
	}
	return out
}

// listerObjects reads the informers' caches for Build; certificates are
// parsed once per Secret resourceVersion.
type listerObjects struct {
	c     *Controller
	fresh map[string]parsedCert
}

func (o *listerObjects) Service(ns, name string) *corev1.Service {
	s, err := o.c.services.Services(ns).Get(name)
	if err != nil {
		return nil
	}
	return s
}

func (o *listerObjects) EndpointSlices(ns, svc string) []*discoveryv1.EndpointSlice {
	out, err := o.c.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: svc}))
	if err != nil {
		return nil
	}
	return out
}

func (o *listerObjects) Certificate(ns, name string) *tls.Certificate {
	key := ns + "/" + name
	s, err := o.c.secrets.Secrets(ns).Get(name)
	if err != nil {
		return nil
	}
	if p, ok := o.fresh[key]; ok && p.resourceVersion == s.ResourceVersion {
		return p.cert
	}
	if p, ok := o.c.certs[key]; ok && p.resourceVersion == s.ResourceVersion {
		o.fresh[key] = p
		return p.cert
	}
	cert, err := SecretCertificate(s)
	if err != nil {
		o.c.log.Warn("ingress: TLS secret unusable; serving the default certificate", "secret", key, "err", err)
	}
	o.fresh[key] = parsedCert{resourceVersion: s.ResourceVersion, cert: cert}
	return cert
}
