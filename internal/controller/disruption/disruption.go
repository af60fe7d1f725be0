// Package disruption is upstream's disruption controller: it keeps each
// PodDisruptionBudget's status (expected and healthy pods, how many may be
// disrupted now, the DisruptionAllowed condition) that the pods/eviction
// subresource of the API server checks and decrements, forgets evictions
// whose pod was never deleted, and resets stale DisruptionTarget pod
// conditions.
package disruption

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/deps"
	"orca/internal/controller/loop"
)

// Name is the controller's name (logs, work queue).
const Name = "disruption"

// failedRetry is how soon a budget whose sync failed is tried again even
// without a change (upstream waits for the next event; a controller that
// was not in the informer yet would otherwise keep the budget at SyncFailed).
const failedRetry = 15 * time.Second

// Controller keeps PodDisruptionBudget status.
type Controller struct {
	client   kubernetes.Interface
	pdbs     policylisters.PodDisruptionBudgetLister
	pods     corelisters.PodLister
	finders  *finders
	recorder record.EventRecorder
	budgets  *loop.Loop // PDB keys
	stale    *loop.Loop // pod keys with a DisruptionTarget condition to reset
	log      *slog.Logger
	now      func() time.Time
}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) {
	inf := d.Informers
	pdbInf := inf.Policy().V1().PodDisruptionBudgets()
	podInf := inf.Core().V1().Pods()
	rcInf := inf.Core().V1().ReplicationControllers()
	rsInf := inf.Apps().V1().ReplicaSets()
	depInf := inf.Apps().V1().Deployments()
	ssInf := inf.Apps().V1().StatefulSets()
	c := &Controller{
		client: d.Client,
		pdbs:   pdbInf.Lister(),
		pods:   podInf.Lister(),
		finders: &finders{
			rcs: rcInf.Lister(), replicaSets: rsInf.Lister(),
			deployments: depInf.Lister(), statefulSets: ssInf.Lister(),
			generic: &scaleSubresource{discovery: d.Client.Discovery(), dynamic: d.Dynamic},
		},
		log: slog.Default().With("controller", Name),
		now: time.Now,
	}
	if d.Recorder != nil {
		// Upstream's disruption controller reports as "controllermanager".
		c.recorder = d.Recorder("controllermanager")
	} else {
		c.recorder = &record.FakeRecorder{}
	}
	synced := []cache.InformerSynced{pdbInf.Informer().HasSynced, podInf.Informer().HasSynced,
		rcInf.Informer().HasSynced, rsInf.Informer().HasSynced, depInf.Informer().HasSynced, ssInf.Informer().HasSynced}
	c.budgets = loop.New(Name, loop.Func(c.Reconcile), 2, synced...)
	c.stale = loop.New(Name+"-stale-pod-disruption", loop.Func(c.reconcileStale), 1, podInf.Informer().HasSynced)
	if _, err := d.Handlers.Add(pdbInf.Informer(), c.budgets.Handler()); err != nil {
		return nil, err
	}
	if _, err := d.Handlers.Add(podInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podChanged,
		UpdateFunc: func(_, obj any) { c.podChanged(obj) },
		DeleteFunc: c.podChanged,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	go c.stale.Run(ctx)
	c.budgets.Run(ctx)
}

// podChanged queues the budgets that select the pod, and the pod itself
// when it carries a DisruptionTarget condition that may go stale.
func (c *Controller) podChanged(obj any) {
	pod, ok := loop.Deleted[*v1.Pod](obj)
	if !ok {
		return
	}
	for _, pdb := range c.budgetsFor(pod) {
		c.budgets.Enqueue(pdb)
	}
	if has, after := staleDisruptionCondition(pod, c.now()); has {
		c.stale.AddAfter(pod.Namespace+"/"+pod.Name, after)
	}
}

// budgetsFor lists the budgets whose selector matches the pod (in policy/v1
// an empty selector matches every pod of the namespace). Upstream queues
// only the first and warns; all are queued here, with the same warning.
func (c *Controller) budgetsFor(pod *v1.Pod) []*policyv1.PodDisruptionBudget {
	pdbs, err := c.pdbs.GetPodPodDisruptionBudgets(pod)
	if err != nil || len(pdbs) == 0 {
		return nil
	}
	if len(pdbs) > 1 && pod.DeletionTimestamp == nil {
		c.recorder.Event(pod, v1.EventTypeWarning, "MultiplePodDisruptionBudgets",
			fmt.Sprintf("Pod %q/%q matches multiple PodDisruptionBudgets.  Chose %q arbitrarily.", pod.Namespace, pod.Name, pdbs[0].Name))
	}
	return pdbs
}

// Reconcile brings one budget's status up to date. A failure other than a
// write conflict sets the fail-safe status (no disruptions, SyncFailed).
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pdb, err := c.pdbs.PodDisruptionBudgets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	recheck, err := c.sync(ctx, pdb)
	switch {
	case err == nil:
		return recheck, nil
	case apierrors.IsConflict(err):
		return 0, err
	}
	c.log.Warn("sync failed", "pdb", key, "err", err)
	if err := c.writeStatus(ctx, pdb, failSafeStatus(pdb, err)); err != nil {
		return 0, err
	}
	return failedRetry, nil
}

// sync computes and writes the status; recheck is when the earliest
// recorded eviction expires (0: none pending).
func (c *Controller) sync(ctx context.Context, pdb *policyv1.PodDisruptionBudget) (recheck time.Duration, err error) {
	matched, err := c.podsFor(pdb)
	if err != nil {
		c.recorder.Eventf(pdb, v1.EventTypeWarning, "NoPods", "Failed to get pods: %v", err)
		return 0, err
	}
	if len(matched) == 0 {
		c.recorder.Event(pdb, v1.EventTypeNormal, "NoPods", "No matching pods found")
	}
	expected, desired, unmanaged, err := expectedPodCount(ctx, pdb.Spec, matched, c.finders.find)
	if err != nil {
		c.recorder.Eventf(pdb, v1.EventTypeWarning, "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: %v", err)
		return 0, err
	}
	if len(unmanaged) > 0 {
		c.recorder.Eventf(pdb, v1.EventTypeWarning, "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: %v) were found "+
			"to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "+
			"To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.", pdb.Spec.Selector)
	}
	now := c.now()
	disrupted, expired, next := disruptedPods(pdb, matched, now)
	for _, p := range expired {
		c.recorder.Eventf(p, v1.EventTypeWarning, "NotDeleted", "Pod was expected by PDB %s/%s to be deleted but it wasn't", pdb.Namespace, pdb.Name)
	}
	status := newStatus(pdb, countHealthy(matched, disrupted, now), desired, expected, disrupted)
	if !statusUpToDate(pdb, status) {
		if err := c.writeStatus(ctx, pdb, status); err != nil {
			return 0, err
		}
	}
	if next.IsZero() {
		return 0, nil
	}
	return max(next.Sub(now), time.Millisecond), nil
}

// podsFor lists the pods of the budget's namespace its selector matches.
func (c *Controller) podsFor(pdb *policyv1.PodDisruptionBudget) ([]*v1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector) // nil: nothing
	if err != nil {
		return nil, err
	}
	return c.pods.Pods(pdb.Namespace).List(sel)
}

// writeStatus replaces the budget's status, unless it already is status.
// The lister's resourceVersion goes along: a budget changed meanwhile (an
// eviction took a disruption) is a conflict and is synced again.
func (c *Controller) writeStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget, status policyv1.PodDisruptionBudgetStatus) error {
	if apiequality.Semantic.DeepEqual(pdb.Status, status) {
		return nil
	}
	out := pdb.DeepCopy()
	out.Status = status
	_, err := c.client.PolicyV1().PodDisruptionBudgets(pdb.Namespace).UpdateStatus(ctx, out, metav1.UpdateOptions{})
	return err
}
