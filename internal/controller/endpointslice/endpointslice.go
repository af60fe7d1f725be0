// Package endpointslice is upstream's EndpointSlice controller: every
// Service with a selector gets EndpointSlices (discovery.k8s.io/v1) listing
// its pods' addresses, ports and conditions, at most 100 endpoints a
// slice, written only where they change. Decide (plan.go) is pure and also
// serves the mirroring controller.
package endpointslice

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
	"orca/internal/controller/endpointutil"
	"orca/internal/controller/loop"
)

// Name is the controller's name (logs, work queue).
const Name = "endpointslice"

// ControllerName is the managed-by label value of the slices it writes.
const ControllerName = "endpointslice-controller.k8s.io"

// MaxEndpointsPerSlice is upstream's --max-endpoints-per-slice default
// (the controller takes the manager's setting).
const MaxEndpointsPerSlice = 100

// staleRetry is how soon a Service whose slices the cache has not caught
// up with is looked at again.
const staleRetry = 50 * time.Millisecond

var serviceKind = v1.SchemeGroupVersion.WithKind("Service")

// Controller keeps the EndpointSlices of Services with selectors.
type Controller struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	slices   discoverylisters.EndpointSliceLister
	tracker  *Tracker
	triggers *endpointutil.TriggerTimeTracker
	recorder record.EventRecorder
	loop     *loop.Loop
	log      *slog.Logger
	// maxPerSlice: --max-endpoints-per-slice.
	maxPerSlice int
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	svcInf := d.Informers.Core().V1().Services()
	podInf := d.Informers.Core().V1().Pods()
	nodeInf := d.Informers.Core().V1().Nodes()
	sliceInf := d.Informers.Discovery().V1().EndpointSlices()
	c := &Controller{
		client:   d.Client,
		services: svcInf.Lister(),
		pods:     podInf.Lister(),
		nodes:    nodeInf.Lister(),
		slices:   sliceInf.Lister(),
		tracker:  NewTracker(),
		triggers: endpointutil.NewTriggerTimeTracker(),
		recorder: d.Recorder("endpoint-slice-controller"),
		log:      slog.Default().With("controller", Name),
	}
	if c.maxPerSlice = d.Options.MaxEndpointsPerSlice; c.maxPerSlice == 0 {
		c.maxPerSlice = MaxEndpointsPerSlice
	}
	c.loop = loop.New(Name, c, d.Options.Workers,
		svcInf.Informer().HasSynced, podInf.Informer().HasSynced, nodeInf.Informer().HasSynced, sliceInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(svcInf.Informer(), c.loop.Handler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(podInf.Informer(), endpointutil.PodHandler(c.services, c.loop.Add)); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(sliceInf.Informer(), SliceHandler(ControllerName, c.tracker, c.loop.Add)); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { c.loop.Run(ctx) }

// Reconcile brings the slices of one Service (key ns/name) up to date.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		// The garbage collector deletes the slices with their owner.
		c.tracker.Forget(key)
		c.triggers.Forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	existing, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromValidatedSet(labels.Set{
		discovery.LabelServiceName: name, discovery.LabelManagedBy: ControllerName,
	}))
	if err != nil {
		return 0, err
	}
	if c.tracker.Stale(key, existing) {
		return staleRetry, nil
	}
	if !endpointutil.HasSelector(svc) {
		// Selectorless Services get slices by hand or by mirroring; the
		// ones this controller made before the selector went are stale
		// (upstream leaves them: the KEP calls that a bug).
		return 0, Apply(ctx, c.client, c.tracker, key, ns, Plan{Delete: existing})
	}
	ps, err := c.pods.Pods(ns).List(labels.SelectorFromValidatedSet(svc.Spec.Selector))
	if err != nil {
		return 0, err
	}
	groups, skipped := Desired(svc, ps, c.zoneOf)
	target := TargetFor(svc, groups)
	target.Max = c.maxPerSlice
	plan := Decide(target, existing)
	setTriggerTime(plan, c.triggers.Compute(key, svc, ps))
	if err := Apply(ctx, c.client, c.tracker, key, ns, plan); err != nil {
		c.recorder.Eventf(svc, v1.EventTypeWarning, "FailedToUpdateEndpointSlices", "Error updating Endpoint Slices for Service %s/%s: %v", ns, name, err)
		return 0, err
	}
	if skipped > 0 {
		return 0, fmt.Errorf("%d pods of service %s on unknown nodes left out", skipped, key)
	}
	return 0, nil
}

// setTriggerTime stamps the slices being written with the time of the
// change that caused the write, as upstream does.
func setTriggerTime(p Plan, at time.Time) {
	for _, s := range append(append([]*discovery.EndpointSlice{}, p.Create...), p.Update...) {
		if at.IsZero() {
			delete(s.Annotations, v1.EndpointsLastChangeTriggerTime)
			continue
		}
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[v1.EndpointsLastChangeTriggerTime] = at.UTC().Format(time.RFC3339Nano)
	}
}

// TargetFor is what the controller wants of a Service's slices.
func TargetFor(svc *v1.Service, groups []Group) Target {
	return Target{
		Groups: groups,
		Types:  AddressTypes(svc),
		Max:    MaxEndpointsPerSlice,
		Meta: metav1.ObjectMeta{
			Namespace:       svc.Namespace,
			GenerateName:    svc.Name + "-",
			Labels:          SliceLabels(svc),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, serviceKind)},
		},
		Owned: func(s *discovery.EndpointSlice) bool {
			ref := metav1.GetControllerOfNoCopy(s)
			return ref != nil && ref.UID == svc.UID
		},
		Placeholder: true,
	}
}

// SliceLabels are the Service's labels plus the slice's own: the
// service-name and managed-by labels, and the headless label for a
// Service without a cluster IP.
func SliceLabels(svc *v1.Service) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Labels {
		if k == discovery.LabelServiceName || k == discovery.LabelManagedBy || k == v1.IsHeadlessService {
			continue
		}
		out[k] = v
	}
	if endpointutil.IsHeadless(svc) {
		out[v1.IsHeadlessService] = ""
	}
	out[discovery.LabelServiceName] = svc.Name
	out[discovery.LabelManagedBy] = ControllerName
	return out
}

func (c *Controller) zoneOf(node string) (string, bool) {
	n, err := c.nodes.Get(node)
	if err != nil {
		return "", false
	}
	return n.Labels[v1.LabelTopologyZone], true
}

// Apply writes a plan of owner key: creates, then updates, then deletes.
// Every write is recorded in the tracker so that the next reconcile waits
// for the cache to show it.
func Apply(ctx context.Context, client kubernetes.Interface, tracker *Tracker, key, namespace string, p Plan) error {
	api := client.DiscoveryV1().EndpointSlices(namespace)
	for _, s := range p.Create {
		got, err := api.Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			if apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause) {
				return nil // the namespace goes, and its slices with it
			}
			return err
		}
		tracker.Written(key, got)
	}
	for _, s := range p.Update {
		got, err := api.Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		tracker.Written(key, got)
	}
	for _, s := range p.Delete {
		err := api.Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &s.UID}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return err
		}
		tracker.Deleted(key, s)
	}
	return nil
}

// SliceHandler queues (through add) the owner key (namespace/service-name
// label) of a slice managed by controller that changed behind that
// controller's back, or whose managed-by or service-name label moved it.
func SliceHandler(controller string, tracker *Tracker, add func(key string)) cache.ResourceEventHandler {
	managed := func(s *discovery.EndpointSlice) bool { return s.Labels[discovery.LabelManagedBy] == controller }
	queueIfNews := func(s *discovery.EndpointSlice) {
		if key := OwnerKey(s); key != "" && managed(s) && tracker.ShouldSync(key, s) {
			add(key)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if s, ok := obj.(*discovery.EndpointSlice); ok {
				queueIfNews(s)
			}
		},
		UpdateFunc: func(oldObj, curObj any) {
			old, cur := oldObj.(*discovery.EndpointSlice), curObj.(*discovery.EndpointSlice)
			if managed(old) != managed(cur) || OwnerKey(old) != OwnerKey(cur) {
				for _, s := range []*discovery.EndpointSlice{old, cur} {
					if key := OwnerKey(s); key != "" {
						add(key)
					}
				}
				return
			}
			queueIfNews(cur)
		},
		DeleteFunc: func(obj any) {
			s, ok := loop.Deleted[*discovery.EndpointSlice](obj)
			if !ok || !managed(s) {
				return
			}
			if key := OwnerKey(s); key != "" && !tracker.HandleDeletion(key, s) {
				add(key)
			}
		},
	}
}

// OwnerKey is "namespace/service-name" of a slice, or "" without the label.
func OwnerKey(s *discovery.EndpointSlice) string {
	name := s.Labels[discovery.LabelServiceName]
	if name == "" {
		return ""
	}
	return s.Namespace + "/" + name
}
