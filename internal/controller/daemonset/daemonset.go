// Package daemonset is the DaemonSet controller: one pod on each node a
// DaemonSet's template may run on, kept up to date by RollingUpdate or
// OnDelete, with the template history in ControllerRevisions.
package daemonset

import (
	"context"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/utils/clock"

	"orca/internal/controller/deps"
	"orca/internal/controller/expectations"
	"orca/internal/controller/loop"
)

// name is the controller's name in logs and events.
const name = "daemonset-controller"

// kind is the GroupVersionKind of the objects this controller owns pods for.
var kind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

const typesStrategic = types.StrategicMergePatchType

// burst caps the creations (and deletions) of one sync, as upstream: a
// thousand new nodes take a few syncs, not one enormous fan-out.
const burst = 250

// Controller is the DaemonSet controller.
type Controller struct {
	client        kubernetes.Interface
	dsLister      appslisters.DaemonSetLister
	podLister     corelisters.PodLister
	nodeLister    corelisters.NodeLister
	historyLister appslisters.ControllerRevisionLister
	recorder      record.EventRecorder
	exp           *expectations.Expectations
	// backoff spaces out the deletion of failed pods per node: a kubelet
	// that keeps rejecting a pod must not make the controller hot-loop.
	backoff *flowcontrol.Backoff
	clock   clock.Clock
	loop    *loop.Loop
	log     *slog.Logger
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	dsInf := d.Informers.Apps().V1().DaemonSets()
	podInf := d.Informers.Core().V1().Pods()
	nodeInf := d.Informers.Core().V1().Nodes()
	histInf := d.Informers.Apps().V1().ControllerRevisions()
	c := &Controller{
		client:        d.Client,
		dsLister:      dsInf.Lister(),
		podLister:     podInf.Lister(),
		nodeLister:    nodeInf.Lister(),
		historyLister: histInf.Lister(),
		recorder:      d.Recorder(name),
		exp:           expectations.New(),
		backoff:       flowcontrol.NewBackOff(time.Second, 15*time.Minute),
		clock:         clock.RealClock{},
		log:           slog.Default().With("controller", name),
	}
	c.loop = loop.New("daemonset", c, d.Options.Workers,
		dsInf.Informer().HasSynced, podInf.Informer().HasSynced, nodeInf.Informer().HasSynced, histInf.Informer().HasSynced)
	// Handle: the pod adds count as observed creations, so no reconcile
	// before the initial ones are all in.
	if err := c.loop.Handle(d.Handlers, dsInf.Informer(), c.loop.Handler()); err != nil {
		return nil, err
	}
	if err := c.loop.Handle(d.Handlers, podInf.Informer(), c.podHandler()); err != nil {
		return nil, err
	}
	if err := c.loop.Handle(d.Handlers, nodeInf.Informer(), c.nodeHandler()); err != nil {
		return nil, err
	}
	if err := c.loop.Handle(d.Handlers, histInf.Informer(), c.historyHandler()); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	go c.gcBackoff(ctx)
	c.loop.Run(ctx)
}

// gcBackoff forgets back-off entries of nodes that stopped failing.
func (c *Controller) gcBackoff(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.backoff.GC()
		}
	}
}

// Expectations are kept under two keys per DaemonSet, one for creations
// and one for deletions, since one sync may expect both.
func createKey(key string) string { return key + "#create" }
func deleteKey(key string) string { return key + "#delete" }

func (c *Controller) satisfied(key string) bool {
	return c.exp.Satisfied(createKey(key)) && c.exp.Satisfied(deleteKey(key))
}

func (c *Controller) forget(key string) {
	c.exp.Forget(createKey(key))
	c.exp.Forget(deleteKey(key))
}

// enqueueMatching queues the DaemonSets whose selector matches an orphan's
// labels (they may adopt it).
func (c *Controller) enqueueMatching(namespace string, l map[string]string) {
	dss, err := c.dsLister.DaemonSets(namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range dss {
		if selects(ds, l) {
			c.loop.Enqueue(ds)
		}
	}
}

// selects: the DaemonSet's selector (non-empty) matches labels l.
func selects(ds *appsv1.DaemonSet, l map[string]string) bool {
	if emptySelector(ds) {
		return false
	}
	sel, err := selectorOf(ds)
	return err == nil && sel.Matches(labels.Set(l))
}

// ownerOf is the DaemonSet controlling obj (by name and UID), or nil.
func (c *Controller) ownerOf(obj metav1.Object) *appsv1.DaemonSet {
	r := metav1.GetControllerOfNoCopy(obj)
	if r == nil || r.Kind != kind.Kind {
		return nil
	}
	if gv, err := schema.ParseGroupVersion(r.APIVersion); err != nil || gv.Group != kind.Group {
		return nil
	}
	ds, err := c.dsLister.DaemonSets(obj.GetNamespace()).Get(r.Name)
	if err != nil || ds.UID != r.UID {
		return nil
	}
	return ds
}

func selectorOf(ds *appsv1.DaemonSet) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(ds.Spec.Selector)
}
