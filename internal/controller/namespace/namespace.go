// Package namespace empties namespaces that are being deleted, then
// removes the "kubernetes" finalizer so the API server can delete them.
package namespace

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"orca/internal/informerset"
)

// Controller is the namespace controller.
type Controller struct {
	client kubernetes.Interface
	dyn    dynamic.Interface
	// resources lists the served namespaced resources (discovery).
	resources func() ([]*metav1.APIResourceList, error)
	lister    cache.Indexer
	queue     workqueue.TypedRateLimitingInterface[string]
	synced    cache.InformerSynced
}

// New wires the controller to a shared informer factory.
func New(client kubernetes.Interface, dyn dynamic.Interface, f informers.SharedInformerFactory, hs *informerset.Handlers) (*Controller, error) {
	inf := f.Core().V1().Namespaces().Informer()
	c := &Controller{client: client, dyn: dyn, resources: client.Discovery().ServerPreferredNamespacedResources, lister: inf.GetIndexer(), synced: inf.HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "namespace"})}
	if _, err := hs.Add(inf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	ns, ok := obj.(*corev1.Namespace)
	if ok && ns.DeletionTimestamp != nil {
		c.queue.Add(ns.Name)
	}
}

// Run processes namespaces until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	go func() {
		<-ctx.Done()
		c.queue.ShutDown()
	}()
	for c.next(ctx) {
	}
}

func (c *Controller) next(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	requeue, err := c.Reconcile(ctx, key)
	switch {
	case err != nil:
		slog.Warn("namespace controller", "namespace", key, "err", err)
		c.queue.AddRateLimited(key)
	case requeue > 0:
		c.queue.Forget(key)
		c.queue.AddAfter(key, requeue)
	default:
		c.queue.Forget(key)
	}
	return true
}

// Reconcile deletes the content of a terminating namespace; once nothing
// is left it finalizes the namespace.
func (c *Controller) Reconcile(ctx context.Context, name string) (time.Duration, error) {
	obj, ok, err := c.lister.GetByKey(name)
	if err != nil || !ok {
		return 0, err
	}
	ns := obj.(*corev1.Namespace)
	if ns.DeletionTimestamp == nil || !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		return 0, nil
	}
	resources, err := c.namespacedResources()
	if err != nil {
		return 0, c.setConditions(ctx, ns, conditionsFor(err, nil, ""))
	}
	remaining, deleteErr := c.deleteContent(ctx, name, resources)
	if err := c.setConditions(ctx, ns, conditionsFor(nil, deleteErr, remaining)); err != nil {
		return 0, err
	}
	if deleteErr != nil {
		return 0, deleteErr
	}
	if remaining != "" {
		return 2 * time.Second, nil // objects finishing graceful deletion or finalizers
	}
	return 0, c.finalize(ctx, ns)
}

// namespacedResources lists what can be listed and deleted in a namespace.
func (c *Controller) namespacedResources() ([]schema.GroupVersionResource, error) {
	lists, err := c.resources()
	if err != nil && len(lists) == 0 {
		return nil, err
	}
	var out []schema.GroupVersionResource
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "deletecollection") || !slices.Contains(r.Verbs, "list") {
				continue
			}
			out = append(out, gv.WithResource(r.Name))
		}
	}
	return out, nil
}

// deleteContent asks for every object to go and reports what is still there.
func (c *Controller) deleteContent(ctx context.Context, ns string, rs []schema.GroupVersionResource) (string, error) {
	background := metav1.DeletePropagationBackground
	var remaining []string
	for _, gvr := range rs {
		ri := c.dyn.Resource(gvr).Namespace(ns)
		if err := ri.DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &background}, metav1.ListOptions{}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
			return "", fmt.Errorf("delete %s in %s: %w", gvr.Resource, ns, err)
		}
		list, err := ri.List(ctx, metav1.ListOptions{})
		if err != nil {
			return "", err
		}
		if n := len(list.Items); n > 0 {
			remaining = append(remaining, fmt.Sprintf("%s has %d resource instances", gvr.GroupResource(), n))
		}
	}
	return strings.Join(remaining, ", "), nil
}

func (c *Controller) finalize(ctx context.Context, ns *corev1.Namespace) error {
	out := ns.DeepCopy()
	out.Spec.Finalizers = slices.DeleteFunc(out.Spec.Finalizers, func(f corev1.FinalizerName) bool { return f == corev1.FinalizerKubernetes })
	_, err := c.client.CoreV1().Namespaces().Finalize(ctx, out, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
