package statefulset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/ownership"
)

// Reconcile brings one StatefulSet to its desired state: claim its pods
// and revisions, pick the current and update revisions, act on the plan,
// write the status and trim the history.
func (c *Controller) Reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.sets.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	set := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil || sel.Empty() {
		// Validation forbids it; nothing sensible to do.
		c.log.Warn("invalid selector", "statefulset", key, "err", err)
		return 0, nil
	}
	adopt := &adopter{c: c, set: set}
	revs, err := c.claimRevisions(ctx, adopt, sel)
	if err != nil {
		return 0, err
	}
	ps, err := c.claimPods(ctx, adopt, sel)
	if err != nil {
		return 0, err
	}
	return c.sync(ctx, set, ps, revs)
}

func (c *Controller) sync(ctx context.Context, set *appsv1.StatefulSet, ps []*v1.Pod, revs []*appsv1.ControllerRevision) (time.Duration, error) {
	sortRevisions(revs)
	current, update, cc, err := c.revisionsFor(ctx, set, revs)
	if err != nil {
		return 0, err
	}
	currentSet, err := applyRevision(set, current)
	if err != nil {
		return 0, err
	}
	updateSet, err := applyRevision(set, update)
	if err != nil {
		return 0, err
	}
	pl := decide(world{
		set: set, currentSet: currentSet, updateSet: updateSet,
		current: current.Name, update: update.Name,
		pods: ps, claims: c.claimLookup(set.Namespace), now: time.Now(),
	})
	runErr := c.execute(ctx, set, pl)

	st := pl.status
	st.CollisionCount = &cc
	st.Conditions = set.Status.Conditions
	completeRollingUpdate(set, &st)
	var statusErr error
	if statusChanged(&set.Status, &st) {
		statusErr = c.writeStatus(ctx, set, st)
	}
	truncErr := c.truncateHistory(ctx, set, revs, liveRevisions(st.CurrentRevision, st.UpdateRevision, ps))
	if err := utilerrors.NewAggregate([]error{runErr, statusErr, truncErr}); err != nil {
		return 0, err
	}
	if set.Spec.MinReadySeconds > 0 && st.AvailableReplicas != int32(replicaCount(set)) {
		// Pods become available by the passing of time alone.
		return time.Duration(set.Spec.MinReadySeconds) * time.Second, nil
	}
	return 0, nil
}

func (c *Controller) claimLookup(ns string) func(string) *v1.PersistentVolumeClaim {
	return func(name string) *v1.PersistentVolumeClaim {
		pvc, err := c.claims.PersistentVolumeClaims(ns).Get(name)
		if err != nil {
			return nil
		}
		return pvc
	}
}

// revisionsFor finds (or creates) the update revision for the set's
// template and the current revision named by its status.
func (c *Controller) revisionsFor(ctx context.Context, set *appsv1.StatefulSet, sorted []*appsv1.ControllerRevision) (current, update *appsv1.ControllerRevision, cc int32, err error) {
	if set.Status.CollisionCount != nil {
		cc = *set.Status.CollisionCount
	}
	want, err := newRevision(set, nextRevisionNumber(sorted), cc)
	if err != nil {
		return nil, nil, cc, err
	}
	choice := chooseUpdateRevision(sorted, want)
	switch {
	case choice.reuse != nil:
		update = choice.reuse
	case set.DeletionTimestamp != nil:
		// Nothing new is written for a set being deleted.
		update = want
	case choice.renumber != nil:
		update, err = c.renumberRevision(ctx, choice.renumber, want.Revision)
	default:
		update, cc, err = c.createRevision(ctx, set, want, cc)
	}
	if err != nil {
		return nil, nil, cc, err
	}
	for _, r := range sorted {
		if r.Name == set.Status.CurrentRevision {
			current = r
		}
	}
	if current == nil {
		current = update
	}
	return current, update, cc, nil
}

// createRevision stores want; a name taken by different data bumps the
// collision count and tries the next name.
func (c *Controller) createRevision(ctx context.Context, set *appsv1.StatefulSet, want *appsv1.ControllerRevision, cc int32) (*appsv1.ControllerRevision, int32, error) {
	api := c.client.AppsV1().ControllerRevisions(set.Namespace)
	for i := 0; i < 100; i++ {
		cr, err := newRevision(set, want.Revision, cc)
		if err != nil {
			return nil, cc, err
		}
		created, err := api.Create(ctx, cr, metav1.CreateOptions{})
		if err == nil {
			return created, cc, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, cc, err
		}
		existing, err := api.Get(ctx, cr.Name, metav1.GetOptions{})
		if err != nil {
			return nil, cc, err
		}
		if sameData(existing, cr) {
			return existing, cc, nil
		}
		cc++
	}
	return nil, cc, fmt.Errorf("no free name for a revision of statefulset %s/%s", set.Namespace, set.Name)
}

// renumberRevision makes an older revision the newest (a rollback).
func (c *Controller) renumberRevision(ctx context.Context, r *appsv1.ControllerRevision, n int64) (*appsv1.ControllerRevision, error) {
	api := c.client.AppsV1().ControllerRevisions(r.Namespace)
	cur := r.DeepCopy()
	for i := 0; ; i++ {
		if cur.Revision == n {
			return cur, nil
		}
		cur.Revision = n
		out, err := api.Update(ctx, cur, metav1.UpdateOptions{})
		if err == nil || !apierrors.IsConflict(err) || i == 4 {
			return out, err
		}
		if cur, err = api.Get(ctx, r.Name, metav1.GetOptions{}); err != nil {
			return nil, err
		}
	}
}

// truncateHistory deletes the oldest unused revisions beyond
// revisionHistoryLimit.
func (c *Controller) truncateHistory(ctx context.Context, set *appsv1.StatefulSet, sorted []*appsv1.ControllerRevision, live map[string]bool) error {
	limit := int32(10)
	if set.Spec.RevisionHistoryLimit != nil {
		limit = *set.Spec.RevisionHistoryLimit
	}
	for _, r := range revisionsToTruncate(sorted, limit, live) {
		err := c.client.AppsV1().ControllerRevisions(r.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &r.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// writeStatus writes st through the status subresource, retrying
// conflicts on a fresh copy.
func (c *Controller) writeStatus(ctx context.Context, set *appsv1.StatefulSet, st appsv1.StatefulSetStatus) error {
	api := c.client.AppsV1().StatefulSets(set.Namespace)
	cur := set.DeepCopy()
	for i := 0; ; i++ {
		cur.Status = st
		_, err := api.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		if err == nil || !apierrors.IsConflict(err) || i == 4 {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		}
		if cur, err = api.Get(ctx, set.Name, metav1.GetOptions{}); err != nil {
			return err
		}
		if cur.UID != set.UID {
			return nil
		}
	}
}

// adopter checks once, against the server, that the set may still adopt
// (upstream's canAdopt: same UID, not being deleted).
type adopter struct {
	c       *Controller
	set     *appsv1.StatefulSet
	checked bool
	err     error
}

func (a *adopter) canAdopt(ctx context.Context) error {
	if a.checked {
		return a.err
	}
	a.checked = true
	fresh, err := a.c.client.AppsV1().StatefulSets(a.set.Namespace).Get(ctx, a.set.Name, metav1.GetOptions{})
	switch {
	case err != nil:
		a.err = err
	case fresh.UID != a.set.UID:
		a.err = fmt.Errorf("original StatefulSet %s/%s is gone: got uid %v, wanted %v", a.set.Namespace, a.set.Name, fresh.UID, a.set.UID)
	case fresh.DeletionTimestamp != nil:
		a.err = fmt.Errorf("%s/%s has just been deleted at %v", a.set.Namespace, a.set.Name, fresh.DeletionTimestamp)
	}
	return a.err
}

// claimRevisions lists the set's revisions, adopting orphans its selector
// matches.
func (c *Controller) claimRevisions(ctx context.Context, a *adopter, sel labels.Selector) ([]*appsv1.ControllerRevision, error) {
	set := a.set
	all, err := c.revisions.ControllerRevisions(set.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	var out []*appsv1.ControllerRevision
	for _, r := range all {
		ref := metav1.GetControllerOfNoCopy(r)
		switch {
		case ref != nil && ref.UID == set.UID:
			out = append(out, r)
		case ref == nil && set.DeletionTimestamp == nil && r.DeletionTimestamp == nil:
			if err := a.canAdopt(ctx); err != nil {
				return nil, err
			}
			adopted, err := c.client.AppsV1().ControllerRevisions(set.Namespace).Patch(ctx, r.Name, types.StrategicMergePatchType,
				ownership.AdoptPatch(set, kind, r.UID), metav1.PatchOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, adopted)
		}
	}
	return out, nil
}

// claimPods lists the set's pods: those it controls, orphans it adopts
// (selector matches and the name is <set>-<ordinal>), minus those it
// releases.
func (c *Controller) claimPods(ctx context.Context, a *adopter, sel labels.Selector) ([]*v1.Pod, error) {
	set := a.set
	all, err := c.pods.Pods(set.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var candidates []*v1.Pod
	var release []*v1.Pod
	for _, p := range all {
		ref := metav1.GetControllerOfNoCopy(p)
		switch {
		case ref != nil && ref.UID == set.UID && !isMember(set, p) && set.DeletionTimestamp == nil:
			release = append(release, p)
		case ref != nil && ref.UID == set.UID, ref == nil && isMember(set, p):
			candidates = append(candidates, p)
		}
	}
	plan := ownership.Decide(set, sel, candidates)
	release = append(release, plan.Release...)
	out := plan.Owned
	for _, p := range plan.Adopt {
		if err := a.canAdopt(ctx); err != nil {
			return nil, err
		}
		adopted, err := c.client.CoreV1().Pods(set.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType,
			ownership.AdoptPatch(set, kind, p.UID), metav1.PatchOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, adopted)
	}
	for _, p := range release {
		if p.DeletionTimestamp != nil {
			continue
		}
		_, err := c.client.CoreV1().Pods(set.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType,
			ownership.ReleasePatch(set.UID, p.UID), metav1.PatchOptions{})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsInvalid(err) {
			return nil, err
		}
	}
	return out, nil
}
