// Package serviceaccount is upstream's serviceaccounts-controller: every
// active namespace has a ServiceAccount named "default", and one that is
// deleted is created again.
package serviceaccount

import (
	"context"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/deps"
	"orca/internal/controller/loop"
)

// Name is the controller's name (logs, work queue).
const Name = "serviceaccount"

// ensure are the ServiceAccounts every namespace gets (upstream's
// DefaultServiceAccountsControllerOptions: just "default").
var ensure = []string{"default"}

// Controller keeps the default ServiceAccounts.
type Controller struct {
	client     kubernetes.Interface
	namespaces corelisters.NamespaceLister
	accounts   corelisters.ServiceAccountLister
	loop       *loop.Loop
	log        *slog.Logger
}

// New wires the controller to the manager's shared informers: namespaces
// that appear or change, and ServiceAccounts that go, queue their namespace.
func New(d *deps.Deps) (*Controller, error) {
	nsInf := d.Informers.Core().V1().Namespaces()
	saInf := d.Informers.Core().V1().ServiceAccounts()
	c := &Controller{
		client:     d.Client,
		namespaces: nsInf.Lister(),
		accounts:   saInf.Lister(),
		log:        slog.Default().With("controller", Name),
	}
	c.loop = loop.New(Name, c, 1, nsInf.Informer().HasSynced, saInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(nsInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.Enqueue,
		UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
	}); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(saInf.Informer(), cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.accountDeleted,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// accountDeleted queues the namespace of a deleted ServiceAccount, which
// may have been one this controller keeps.
func (c *Controller) accountDeleted(obj any) {
	sa, ok := loop.Deleted[*v1.ServiceAccount](obj)
	if !ok || !keeps(sa.Name) {
		return
	}
	c.loop.Add(sa.Namespace)
}

func keeps(name string) bool {
	for _, n := range ensure {
		if n == name {
			return true
		}
	}
	return false
}

// Reconcile creates the missing ServiceAccounts of one namespace (key is
// its name). Terminating namespaces get none: the server would refuse.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, err := c.namespaces.Get(key)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if ns.Status.Phase != v1.NamespaceActive {
		return 0, nil
	}
	for _, name := range missing(ns.Name, c.accounts) {
		sa := &v1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}
		_, err := c.client.CoreV1().ServiceAccounts(ns.Name).Create(ctx, sa, metav1.CreateOptions{})
		switch {
		case err == nil, apierrors.IsAlreadyExists(err):
		case apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause):
			// The namespace started terminating after our informer saw it.
		default:
			return 0, err
		}
	}
	return 0, nil
}

// missing lists the kept ServiceAccounts the lister does not have in ns.
func missing(ns string, accounts corelisters.ServiceAccountLister) []string {
	var out []string
	for _, name := range ensure {
		if _, err := accounts.ServiceAccounts(ns).Get(name); apierrors.IsNotFound(err) {
			out = append(out, name)
		}
	}
	return out
}
