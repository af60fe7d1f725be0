package deployment

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"orca/internal/controller/ownership"
)

// replicaSetsFor lists the Deployment's ReplicaSets (copies, safe to
// change): those it controls and still selects, plus orphans it selects,
// which it adopts; controlled ones it no longer selects are released.
func (c *Controller) replicaSetsFor(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	sel, err := selectorOf(d)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s: invalid selector: %w", d.Namespace, d.Name, err)
	}
	all, err := c.rsLister.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	plan := ownership.Decide(d, sel, all)
	out := make([]*appsv1.ReplicaSet, 0, len(plan.Owned)+len(plan.Adopt))
	for _, rs := range plan.Owned {
		out = append(out, rs.DeepCopy())
	}
	if len(plan.Adopt) > 0 {
		// Adopt only for the Deployment we listed for: a fresh read,
		// as the cache may hold a deleted-and-recreated one.
		fresh, err := c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if fresh.UID != d.UID || fresh.DeletionTimestamp != nil {
			return nil, fmt.Errorf("deployment %s/%s changed (uid %s, was %s) or is being deleted: not adopting", d.Namespace, d.Name, fresh.UID, d.UID)
		}
		for _, rs := range plan.Adopt {
			got, err := c.patchRS(ctx, rs, ownership.AdoptPatch(d, controllerKind, rs.UID))
			if err != nil {
				return nil, err
			}
			if got != nil {
				out = append(out, got)
			}
		}
	}
	for _, rs := range plan.Release {
		if _, err := c.patchRS(ctx, rs, ownership.ReleasePatch(d.UID, rs.UID)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// patchRS applies a strategic merge patch; a ReplicaSet that is gone or
// was replaced (UID precondition) yields nil and no error.
func (c *Controller) patchRS(ctx context.Context, rs *appsv1.ReplicaSet, patch []byte) (*appsv1.ReplicaSet, error) {
	out, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err) {
		return nil, nil
	}
	return out, err
}

// findNewRS is the oldest ReplicaSet whose template is the Deployment's
// (there can be several after a hash collision or a manual copy).
func findNewRS(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	for _, rs := range byAge(rss) {
		if EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// others is rss without rs.
func others(rss []*appsv1.ReplicaSet, rs *appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, x := range rss {
		if rs == nil || x.UID != rs.UID {
			out = append(out, x)
		}
	}
	return out
}

// newAndOld splits the ReplicaSets into the new one (its template is the
// Deployment's; created when create is set and there is none) and the
// old ones, bringing the new one's revision and the Deployment's
// revision up to date.
func (c *Controller) newAndOld(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	existing := findNewRS(d, rss)
	old := others(rss, existing)
	newRS, err := c.newReplicaSet(ctx, d, existing, old, create)
	if err != nil {
		return nil, nil, err
	}
	if existing != nil && newRS != nil {
		*existing = *newRS // later steps see what was stored
		newRS = existing
	}
	return newRS, old, nil
}

// newReplicaSet updates the existing new ReplicaSet (revision,
// annotations, minReadySeconds) or creates it.
func (c *Controller) newReplicaSet(ctx context.Context, d *appsv1.Deployment, existing *appsv1.ReplicaSet, old []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, error) {
	newRevision := maxRevision(old) + 1
	if existing != nil {
		return c.syncExistingNewRS(ctx, d, existing, newRevision)
	}
	if !create {
		return nil, nil
	}
	rs := newRSFor(d, old, newRevision)
	created, err := c.client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	alreadyExisted := false
	switch {
	case apierrors.IsAlreadyExists(err):
		found, ok, gerr := c.sameTemplateRS(ctx, d, rs.Name)
		if gerr != nil {
			return nil, gerr
		}
		if !ok {
			// A ReplicaSet of that name with another template: bump the
			// collision count so the next try hashes to another name.
			if d.Status.CollisionCount == nil {
				d.Status.CollisionCount = new(int32)
			}
			*d.Status.CollisionCount++
			if uerr := c.updateStatus(ctx, d); uerr != nil {
				return nil, uerr
			}
			return nil, err
		}
		created, err, alreadyExisted = found, nil, true
	case apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause):
		return nil, err
	case err != nil:
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err)
		if hasProgressDeadline(d) {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, v1.ConditionFalse, ReasonFailedRSCreate, msg, c.now()))
			_ = c.updateStatus(ctx, d)
		}
		c.recorder.Event(d, v1.EventTypeWarning, ReasonFailedRSCreate, msg)
		return nil, err
	}
	if !alreadyExisted && replicas(created) > 0 {
		c.recorder.Eventf(d, v1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.Name, replicas(created))
	}
	if err := c.setRevision(ctx, d, newRevision); err != nil {
		return nil, err
	}
	if !alreadyExisted && hasProgressDeadline(d) {
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", created.Name), c.now()))
		if err := c.updateStatus(ctx, d); err != nil {
			return nil, err
		}
	}
	return created.DeepCopy(), nil
}

// newRSFor builds the ReplicaSet for the Deployment's template: named
// and labelled by the template's hash, sized as the strategy allows.
func newRSFor(d *appsv1.Deployment, old []*appsv1.ReplicaSet, revision int64) *appsv1.ReplicaSet {
	t := *d.Spec.Template.DeepCopy()
	hash := ComputeHash(&t, d.Status.CollisionCount)
	t.Labels = withLabel(d.Spec.Template.Labels, hashLabel, hash)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			OwnerReferences: []metav1.OwnerReference{ownership.ControllerRef(d, controllerKind)},
			Labels:          t.Labels,
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        new(int32),
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        selectorWithLabel(d.Spec.Selector, hashLabel, hash),
			Template:        t,
		},
	}
	*rs.Spec.Replicas = newRSReplicas(d, append(append([]*appsv1.ReplicaSet{}, old...), rs), rs)
	setNewRSAnnotations(d, rs, revision, false)
	return rs
}

// sameTemplateRS reads the ReplicaSet that took name and reports whether
// it is this Deployment's, with its template.
func (c *Controller) sameTemplateRS(ctx context.Context, d *appsv1.Deployment, name string) (*appsv1.ReplicaSet, bool, error) {
	rs, err := c.rsLister.ReplicaSets(d.Namespace).Get(name)
	if apierrors.IsNotFound(err) {
		rs, err = c.client.AppsV1().ReplicaSets(d.Namespace).Get(ctx, name, metav1.GetOptions{})
	}
	if err != nil {
		return nil, false, err
	}
	ref := metav1.GetControllerOfNoCopy(rs)
	ok := ref != nil && ref.UID == d.UID && EqualIgnoreHash(&d.Spec.Template, &rs.Spec.Template)
	return rs.DeepCopy(), ok, nil
}

// syncExistingNewRS brings the found new ReplicaSet's annotations and
// minReadySeconds up to date, then the Deployment's revision and, the
// first time, its Progressing condition.
func (c *Controller) syncExistingNewRS(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision int64) (*appsv1.ReplicaSet, error) {
	cp := rs.DeepCopy()
	changed := setNewRSAnnotations(d, cp, newRevision, true)
	if changed || cp.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
		cp.Spec.MinReadySeconds = d.Spec.MinReadySeconds
		return c.client.AppsV1().ReplicaSets(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	}
	if err := c.setRevision(ctx, d, Revision(cp)); err != nil {
		return nil, err
	}
	if hasProgressDeadline(d) && getCondition(d.Status, appsv1.DeploymentProgressing) == nil {
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonFoundNewRS,
			fmt.Sprintf("Found new replica set %q", cp.Name), c.now()))
		if err := c.updateStatus(ctx, d); err != nil {
			return nil, err
		}
	}
	return cp, nil
}

// setRevision records the revision annotation on the Deployment.
// Upstream writes it through the status subresource, which keeps metadata
// changes for Deployments; a server whose status writes keep the stored
// metadata gets a metadata patch instead (which moves the generation).
func (c *Controller) setRevision(ctx context.Context, d *appsv1.Deployment, rev int64) error {
	if !setDeploymentRevision(d, rev) {
		return nil
	}
	want := d.Annotations[RevisionAnnotation]
	if err := c.updateStatus(ctx, d); err != nil {
		return err
	}
	if d.Annotations[RevisionAnnotation] == want {
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations":     map[string]string{RevisionAnnotation: want},
		"resourceVersion": d.ResourceVersion,
	}})
	out, err := c.client.AppsV1().Deployments(d.Namespace).Patch(ctx, d.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return err
	}
	*d = *out
	return nil
}
