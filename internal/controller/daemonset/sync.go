package daemonset

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/ownership"
	"orca/internal/controller/pods"
)

// Event reasons (upstream's).
const (
	reasonSuccessfulCreate = "SuccessfulCreate"
	reasonFailedCreate     = "FailedCreate"
	reasonSuccessfulDelete = "SuccessfulDelete"
	reasonFailedDelete     = "FailedDelete"
	reasonFailedDaemonPod  = "FailedDaemonPod"
	reasonSucceededPod     = "SucceededDaemonPod"
	reasonSelectingAll     = "SelectingAll"
)

// Reconcile brings one DaemonSet to its desired state: its history, its
// pods (manage, then the rolling update), old revisions, and status.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, dsName, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	ds, err := c.dsLister.DaemonSets(ns).Get(dsName)
	if apierrors.IsNotFound(err) {
		c.forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if emptySelector(ds) {
		c.recorder.Event(ds, v1.EventTypeWarning, reasonSelectingAll, "This daemon set is selecting all pods. A non-empty selector is required.")
		return 0, nil
	}
	// Being deleted: its revisions may be gone already, so neither the
	// pods nor the status can be worked out reliably (upstream likewise).
	if ds.DeletionTimestamp != nil {
		return 0, nil
	}
	nodes, err := c.nodeLister.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	cur, old, err := c.constructHistory(ctx, ds)
	if err != nil {
		return 0, fmt.Errorf("revisions of DaemonSet %s: %w", key, err)
	}
	hash := cur.Labels[hashLabel]
	dsPods, err := c.daemonPods(ctx, ds)
	if err != nil {
		return 0, err
	}
	if !c.satisfied(key) {
		// Waiting for the informers to show earlier creations and
		// deletions: only the status, and not observedGeneration.
		return c.syncStatus(ctx, ds, nodes, dsPods, hash, false)
	}
	after, err := c.update(ctx, ds, nodes, dsPods, hash, key, old)
	statusAfter, statusErr := c.syncStatus(ctx, ds, nodes, dsPods, hash, true)
	if err == nil {
		err = statusErr
	}
	return earliest(after, statusAfter), err
}

func emptySelector(ds *appsv1.DaemonSet) bool {
	s := ds.Spec.Selector
	return s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0)
}

// earliest is the sooner of two requeue delays (0 meaning none).
func earliest(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// update runs the manage pass, then (if nothing is still on its way) the
// rolling update, then cleans up old revisions.
func (c *Controller) update(ctx context.Context, ds *appsv1.DaemonSet, nodes []*v1.Node, dsPods []*v1.Pod, hash, key string, old []*appsv1.ControllerRevision) (time.Duration, error) {
	now := c.clock.Now()
	p := planNodes(ds, nodes, byNode(dsPods), hash, now)
	del, after := c.triageFinished(ds, p)
	if err := c.syncNodes(ctx, ds, key, append(p.delete, del...), p.create, hash); err != nil {
		return after, err
	}
	if c.satisfied(key) && ds.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		del, create := planRollingUpdate(ds, nodes, byNode(dsPods), hash, now)
		if err := c.syncNodes(ctx, ds, key, del, create, hash); err != nil {
			return after, err
		}
	}
	return after, c.cleanupHistory(ctx, ds, old, dsPods)
}

// triageFinished turns the plan's finished pods into deletions: succeeded
// ones at once, failed ones unless their node is in back-off (then the
// DaemonSet is looked at again when it ends).
func (c *Controller) triageFinished(ds *appsv1.DaemonSet, p plan) (del []*v1.Pod, after time.Duration) {
	for _, pod := range p.succeeded {
		c.recorder.Eventf(ds, v1.EventTypeNormal, reasonSucceededPod, "Found succeeded daemon pod %s/%s on node %s, will try to delete it", pod.Namespace, pod.Name, targetNode(pod))
		del = append(del, pod)
	}
	now := c.clock.Now()
	for _, pod := range p.failed {
		node := targetNode(pod)
		k := fmt.Sprintf("%s/%d/%s", ds.UID, ds.Status.ObservedGeneration, node)
		if c.backoff.IsInBackOffSinceUpdate(k, now) {
			after = earliest(after, c.backoff.Get(k))
			continue
		}
		c.backoff.Next(k, now)
		c.recorder.Eventf(ds, v1.EventTypeWarning, reasonFailedDaemonPod, "Found failed daemon pod %s/%s on node %s, will try to kill it", pod.Namespace, pod.Name, node)
		del = append(del, pod)
	}
	return del, after
}

// daemonPods are the pods ds owns, after adopting matching orphans and
// releasing owned pods that no longer match.
func (c *Controller) daemonPods(ctx context.Context, ds *appsv1.DaemonSet) ([]*v1.Pod, error) {
	sel, err := selectorOf(ds)
	if err != nil {
		return nil, err
	}
	all, err := c.podLister.Pods(ds.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	plan := ownership.Decide(ds, sel, all)
	owned := plan.Owned
	api := c.client.CoreV1().Pods(ds.Namespace)
	for _, p := range plan.Release {
		if _, err := api.Patch(ctx, p.Name, types.StrategicMergePatchType, ownership.ReleasePatch(ds.UID, p.UID), metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	if len(plan.Adopt) == 0 {
		return owned, nil
	}
	if err := c.canAdopt(ctx, ds); err != nil {
		return owned, nil
	}
	for _, p := range plan.Adopt {
		got, err := api.Patch(ctx, p.Name, types.StrategicMergePatchType, ownership.AdoptPatch(ds, kind, p.UID), metav1.PatchOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		owned = append(owned, got)
	}
	return owned, nil
}

// canAdopt checks with the server (not the cache) that ds still exists
// and is not being deleted before it takes orphans.
func (c *Controller) canAdopt(ctx context.Context, ds *appsv1.DaemonSet) error {
	fresh, err := c.client.AppsV1().DaemonSets(ds.Namespace).Get(ctx, ds.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if fresh.UID != ds.UID {
		return fmt.Errorf("DaemonSet %s/%s was recreated", ds.Namespace, ds.Name)
	}
	if fresh.DeletionTimestamp != nil {
		return fmt.Errorf("DaemonSet %s/%s is being deleted", ds.Namespace, ds.Name)
	}
	return nil
}

// syncNodes deletes pods and creates pods for nodes, at most burst of
// each. Creations go in slow-start batches (1, 2, 4, ...) run in
// parallel, stopping at the first batch with an error; deletions all in
// parallel. Expectations are set first, so informer events racing the
// calls are counted.
func (c *Controller) syncNodes(ctx context.Context, ds *appsv1.DaemonSet, key string, del []*v1.Pod, create []string, hash string) error {
	if len(create) > burst {
		create = create[:burst]
	}
	if len(del) > burst {
		del = del[:burst]
	}
	uids := make([]types.UID, len(del))
	for i, p := range del {
		uids[i] = p.UID
	}
	c.exp.ExpectCreations(createKey(key), len(create))
	c.exp.ExpectDeletions(deleteKey(key), uids)

	tmpl := podTemplate(ds, hash)
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	pos := 0
	for batch := min(1, len(create)); pos < len(create); batch = min(2*batch, len(create)-pos) {
		before := len(errs)
		var wg sync.WaitGroup
		for _, node := range create[pos : pos+batch] {
			wg.Go(func() {
				if err := c.createPod(ctx, ds, tmpl, node); err != nil {
					c.exp.CreationObserved(createKey(key))
					fail(err)
				}
			})
		}
		wg.Wait()
		pos += batch
		if len(errs) > before {
			// Whatever fails for one pod likely fails for all: the rest
			// wait for the next sync.
			for range create[pos:] {
				c.exp.CreationObserved(createKey(key))
			}
			break
		}
	}
	var wg sync.WaitGroup
	for _, p := range del {
		wg.Go(func() {
			if err := c.deletePodAPI(ctx, ds, p); err != nil {
				c.exp.DeletionObserved(deleteKey(key), p.UID)
				if !apierrors.IsNotFound(err) {
					fail(err)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// podTemplate is ds's template as its pods get it: the default daemon
// tolerations, the revision hash label and (if the DaemonSet has one) the
// template generation label.
func podTemplate(ds *appsv1.DaemonSet, hash string) *v1.PodTemplateSpec {
	t := ds.Spec.Template.DeepCopy()
	addDefaultTolerations(&t.Spec)
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	if g := templateGeneration(ds); g != nil {
		t.Labels[templateGenerationLabel] = fmt.Sprint(*g)
	}
	if hash != "" {
		t.Labels[hashLabel] = hash
	}
	return t
}

// newPod is the daemon pod of ds for node: pinned to it by node affinity,
// so that the default scheduler binds it there.
func newPod(ds *appsv1.DaemonSet, tmpl *v1.PodTemplateSpec, node string) *v1.Pod {
	p := pods.FromTemplate(tmpl, ds, kind)
	p.Spec.Affinity = pinToNode(p.Spec.Affinity, node)
	return p
}

func (c *Controller) createPod(ctx context.Context, ds *appsv1.DaemonSet, tmpl *v1.PodTemplateSpec, node string) error {
	got, err := c.client.CoreV1().Pods(ds.Namespace).Create(ctx, newPod(ds, tmpl, node), metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause) {
			return err // no event: the namespace is going away
		}
		c.recorder.Eventf(ds, v1.EventTypeWarning, reasonFailedCreate, "Error creating: %v", err)
		return err
	}
	c.recorder.Eventf(ds, v1.EventTypeNormal, reasonSuccessfulCreate, "Created pod: %v", got.Name)
	return nil
}

func (c *Controller) deletePodAPI(ctx context.Context, ds *appsv1.DaemonSet, p *v1.Pod) error {
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return err
	case err != nil:
		c.recorder.Eventf(ds, v1.EventTypeWarning, reasonFailedDelete, "Error deleting: %v", err)
		return err
	}
	c.recorder.Eventf(ds, v1.EventTypeNormal, reasonSuccessfulDelete, "Deleted pod: %v", p.Name)
	return nil
}

// syncStatus recomputes and stores the status from the cache (the
// informers report this sync's own changes later, and trigger another);
// with minReadySeconds it looks again when ready pods may have become
// available.
func (c *Controller) syncStatus(ctx context.Context, ds *appsv1.DaemonSet, nodes []*v1.Node, dsPods []*v1.Pod, hash string, observe bool) (time.Duration, error) {
	n := computeStatus(ds, nodes, byNode(dsPods), hash, c.clock.Now())
	if err := c.writeStatus(ctx, ds, n, observe); err != nil {
		return 0, err
	}
	if ds.Spec.MinReadySeconds > 0 && n.ready != n.available {
		return time.Duration(ds.Spec.MinReadySeconds) * time.Second, nil
	}
	return 0, nil
}
