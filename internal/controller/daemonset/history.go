package daemonset

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/rand"

	"orca/internal/controller/ownership"
)

// The template history of a DaemonSet is a list of ControllerRevisions
// named <ds>-<hash>, each holding a patch that puts its template back
// (what `kubectl rollout undo` applies) and a revision number; the
// current template's is the highest. Pods carry the hash of the
// revision they were made from in the controller-revision-hash label.

// hashLabel is the label naming a pod's (and a revision's) template hash.
const hashLabel = appsv1.DefaultDaemonSetUniqueLabelKey

// templateHash is a short, stable, DNS-safe hash of a pod template and
// the collision count (bumped when two templates' hashes collide).
func templateHash(t *v1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, _ := json.Marshal(t) // deterministic: struct fields in order, map keys sorted
	h.Write(b)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// templatePatch is the revision data for ds's template: a strategic merge
// patch replacing spec.template. kubectl computes the same bytes
// (json of the DaemonSet, spec.template cut out, marshalled as a map) to
// tell whether a revision is the current one, so this must match it byte
// for byte.
func templatePatch(ds *appsv1.DaemonSet) ([]byte, error) {
	b, err := utiljson.Marshal(ds)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := utiljson.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	spec, _ := raw["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	if tmpl == nil {
		tmpl = map[string]any{}
	}
	tmpl["$patch"] = "replace"
	return utiljson.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}

// isCurrent reports whether revision r holds ds's current template.
func isCurrent(ds *appsv1.DaemonSet, r *appsv1.ControllerRevision) bool {
	p, err := templatePatch(ds)
	return err == nil && bytes.Equal(p, r.Data.Raw)
}

// newRevision is the ControllerRevision for ds's current template.
func newRevision(ds *appsv1.DaemonSet, hash string, revision int64) (*appsv1.ControllerRevision, error) {
	patch, err := templatePatch(ds)
	if err != nil {
		return nil, err
	}
	l := make(map[string]string, len(ds.Spec.Template.Labels)+1)
	for k, v := range ds.Spec.Template.Labels {
		l[k] = v
	}
	l[hashLabel] = hash
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            ds.Name + "-" + hash,
			Namespace:       ds.Namespace,
			Labels:          l,
			Annotations:     copyMap(ds.Annotations),
			OwnerReferences: []metav1.OwnerReference{ownership.ControllerRef(ds, kind)},
		},
		Data:     runtime.RawExtension{Raw: patch},
		Revision: revision,
	}, nil
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// splitHistory separates the revisions holding ds's current template from
// the older ones.
func splitHistory(ds *appsv1.DaemonSet, revs []*appsv1.ControllerRevision) (cur, old []*appsv1.ControllerRevision) {
	for _, r := range revs {
		if isCurrent(ds, r) {
			cur = append(cur, r)
		} else {
			old = append(old, r)
		}
	}
	return cur, old
}

func maxRevision(revs []*appsv1.ControllerRevision) int64 {
	var m int64
	for _, r := range revs {
		if r.Revision > m {
			m = r.Revision
		}
	}
	return m
}

// revisionsToDelete picks the old revisions over limit to delete, lowest
// revision first, never one a live pod was made from.
func revisionsToDelete(old []*appsv1.ControllerRevision, limit int, liveHashes map[string]bool) []*appsv1.ControllerRevision {
	kill := len(old) - limit
	if kill <= 0 {
		return nil
	}
	sorted := append([]*appsv1.ControllerRevision(nil), old...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Revision < sorted[j].Revision })
	var out []*appsv1.ControllerRevision
	for _, r := range sorted {
		if kill == 0 {
			break
		}
		if liveHashes[r.Labels[hashLabel]] {
			continue
		}
		out = append(out, r)
		kill--
	}
	return out
}

// constructHistory claims ds's revisions and makes sure one holds the
// current template with the highest revision number; it returns that one
// and the older ones.
func (c *Controller) constructHistory(ctx context.Context, ds *appsv1.DaemonSet) (cur *appsv1.ControllerRevision, old []*appsv1.ControllerRevision, err error) {
	revs, err := c.claimHistory(ctx, ds)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range revs {
		// Revisions made before they carried the hash label are named
		// by it; the name is the hash.
		if _, ok := r.Labels[hashLabel]; !ok {
			r = r.DeepCopy()
			if r.Labels == nil {
				r.Labels = map[string]string{}
			}
			r.Labels[hashLabel] = r.Name
			if revs[i], err = c.client.AppsV1().ControllerRevisions(ds.Namespace).Update(ctx, r, metav1.UpdateOptions{}); err != nil {
				return nil, nil, err
			}
		}
	}
	curs, old := splitHistory(ds, revs)
	next := maxRevision(old) + 1
	if len(curs) == 0 {
		cur, err = c.snapshot(ctx, ds, next)
		return cur, old, err
	}
	cur, err = c.dedupHistory(ctx, ds, curs)
	if err != nil {
		return nil, nil, err
	}
	if cur.Revision < next {
		// A rollback to an old template: it becomes the newest revision.
		up := cur.DeepCopy()
		up.Revision = next
		if cur, err = c.client.AppsV1().ControllerRevisions(ds.Namespace).Update(ctx, up, metav1.UpdateOptions{}); err != nil {
			return nil, nil, err
		}
	}
	return cur, old, nil
}

// claimHistory lists the revisions ds owns, adopting matching orphans and
// releasing owned ones that no longer match its selector.
func (c *Controller) claimHistory(ctx context.Context, ds *appsv1.DaemonSet) ([]*appsv1.ControllerRevision, error) {
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		return nil, err
	}
	all, err := c.historyLister.ControllerRevisions(ds.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	plan := ownership.Decide(ds, sel, all)
	revs := plan.Owned
	api := c.client.AppsV1().ControllerRevisions(ds.Namespace)
	for _, r := range plan.Release {
		if _, err := api.Patch(ctx, r.Name, typesStrategic, ownership.ReleasePatch(ds.UID, r.UID), metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	if len(plan.Adopt) > 0 {
		if err := c.canAdopt(ctx, ds); err != nil {
			return revs, nil // adopt nothing now; the next sync tries again
		}
		for _, r := range plan.Adopt {
			got, err := api.Patch(ctx, r.Name, typesStrategic, ownership.AdoptPatch(ds, kind, r.UID), metav1.PatchOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) {
					continue
				}
				return nil, err
			}
			revs = append(revs, got)
		}
	}
	return revs, nil
}

// snapshot creates the revision for ds's current template. A revision
// of that name holding another template is a hash collision: bump
// status.collisionCount so the next sync hashes differently.
func (c *Controller) snapshot(ctx context.Context, ds *appsv1.DaemonSet, revision int64) (*appsv1.ControllerRevision, error) {
	hash := templateHash(&ds.Spec.Template, ds.Status.CollisionCount)
	r, err := newRevision(ds, hash, revision)
	if err != nil {
		return nil, err
	}
	api := c.client.AppsV1().ControllerRevisions(ds.Namespace)
	created, err := api.Create(ctx, r, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return created, err
	}
	existing, getErr := api.Get(ctx, r.Name, metav1.GetOptions{})
	if getErr != nil {
		return nil, getErr
	}
	if isCurrent(ds, existing) {
		return existing, nil // ours already (or an orphan of it, adopted next sync)
	}
	fresh, getErr := c.client.AppsV1().DaemonSets(ds.Namespace).Get(ctx, ds.Name, metav1.GetOptions{})
	if getErr != nil {
		return nil, getErr
	}
	if !int32PtrEqual(fresh.Status.CollisionCount, ds.Status.CollisionCount) {
		return nil, fmt.Errorf("stale collision count of DaemonSet %s/%s; will retry", ds.Namespace, ds.Name)
	}
	n := int32(0)
	if fresh.Status.CollisionCount != nil {
		n = *fresh.Status.CollisionCount
	}
	n++
	fresh.Status.CollisionCount = &n
	if _, err := c.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, fresh, metav1.UpdateOptions{}); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("hash collision on ControllerRevision %s/%s: collision count now %d", ds.Namespace, r.Name, n)
}

func int32PtrEqual(a, b *int32) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// dedupHistory keeps one of several revisions holding the current
// template (the highest), moves pods labelled with the others' hashes to
// it and deletes the others.
func (c *Controller) dedupHistory(ctx context.Context, ds *appsv1.DaemonSet, curs []*appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	keep := curs[0]
	for _, r := range curs[1:] {
		if r.Revision > keep.Revision || (r.Revision == keep.Revision && r.Name < keep.Name) {
			keep = r
		}
	}
	if len(curs) == 1 {
		return keep, nil
	}
	pods, err := c.daemonPods(ctx, ds)
	if err != nil {
		return nil, err
	}
	keepHash := keep.Labels[hashLabel]
	for _, r := range curs {
		if r == keep {
			continue
		}
		h := r.Labels[hashLabel]
		for _, p := range pods {
			if p.Labels[hashLabel] != h {
				continue
			}
			patch := []byte(fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, hashLabel, keepHash))
			if _, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, typesStrategic, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return nil, err
			}
		}
		if err := c.client.AppsV1().ControllerRevisions(ds.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return keep, nil
}

// cleanupHistory deletes old revisions over spec.revisionHistoryLimit
// that no live pod was made from.
func (c *Controller) cleanupHistory(ctx context.Context, ds *appsv1.DaemonSet, old []*appsv1.ControllerRevision, pods []*v1.Pod) error {
	limit := 10
	if ds.Spec.RevisionHistoryLimit != nil {
		limit = int(*ds.Spec.RevisionHistoryLimit)
	}
	live := map[string]bool{}
	for _, p := range pods {
		if h := p.Labels[hashLabel]; h != "" {
			live[h] = true
		}
	}
	for _, r := range revisionsToDelete(old, limit, live) {
		if err := c.client.AppsV1().ControllerRevisions(ds.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}
