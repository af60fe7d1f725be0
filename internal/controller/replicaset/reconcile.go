package replicaset

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"orca/internal/controller/pods"
)

// reconcile brings one ReplicaSet (or ReplicationController) to its
// replica count and writes its status: claim pods, create or delete the
// difference unless earlier creations or deletions are still on their way
// to the cache, then report.
func (r *reconciler) reconcile(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	rs, err := r.get(namespace, name)
	if apierrors.IsNotFound(err) {
		r.exp.Forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		r.log.Warn("invalid selector", "key", key, "err", err)
		return 0, nil // nothing to do until the object changes
	}
	// Read before listing: a pod seen after this check is in the list too.
	synced := r.exp.Satisfied(key)
	owned, err := r.claim(ctx, rs, sel, r.candidates(rs))
	if err != nil {
		return 0, err
	}
	var manageErr error
	if synced && rs.DeletionTimestamp == nil {
		manageErr = r.manage(ctx, key, rs, owned)
	}
	now := time.Now()
	status := computeStatus(rs, owned, manageErr, now)
	if r.countsTerminating() {
		status.TerminatingReplicas = terminatingOwned(sel, r.c.podsOwnedBy(rs.UID))
	}
	if err := r.writeStatus(ctx, rs, status); err != nil {
		return 0, err
	}
	if manageErr != nil {
		return 0, manageErr
	}
	return untilAvailable(rs.Spec.MinReadySeconds, owned, now), nil
}

// candidates are the active pods rs may own: its own and its namespace's
// orphans. Finished and terminating pods are neither counted, adopted
// nor released (as upstream).
func (r *reconciler) candidates(rs *appsv1.ReplicaSet) []*v1.Pod {
	all := append(r.c.podsOwnedBy(rs.UID), r.c.orphans(rs.Namespace)...)
	return activeOnly(all)
}

func activeOnly(ps []*v1.Pod) []*v1.Pod {
	out := ps[:0]
	for _, p := range ps {
		if pods.IsActive(p) {
			out = append(out, p)
		}
	}
	return out
}

// manage creates or deletes pods to reach spec.replicas.
func (r *reconciler) manage(ctx context.Context, key string, rs *appsv1.ReplicaSet, owned []*v1.Pod) error {
	var related []*v1.Pod
	if len(owned) > int(replicas(rs)) {
		related = r.related(rs, owned) // only victims need ranking
	}
	a := decide(replicas(rs), owned, related)
	switch {
	case a.create > 0:
		return r.createPods(ctx, key, rs, a.create)
	case len(a.delete) > 0:
		return r.deletePods(ctx, key, rs, a.delete)
	}
	return nil
}

// related are the active pods of rs and of the other ReplicaSets its
// controller (a Deployment) owns, for ranking victims by co-location.
func (r *reconciler) related(rs *appsv1.ReplicaSet, owned []*v1.Pod) []*v1.Pod {
	owner := metav1.GetControllerOfNoCopy(rs)
	if owner == nil {
		return owned
	}
	siblings, err := r.list(rs.Namespace)
	if err != nil {
		return owned
	}
	var out []*v1.Pod
	for _, s := range siblings {
		if ref := metav1.GetControllerOfNoCopy(s); ref != nil && ref.UID == owner.UID {
			out = append(out, activeOnly(r.c.podsOwnedBy(s.UID))...)
		}
	}
	return out
}

// writeStatus writes status when it differs from what rs shows, retrying
// once on a fresh copy (as upstream).
func (r *reconciler) writeStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) error {
	if !statusChanged(rs, status) {
		return nil
	}
	cur := rs
	for i := 0; ; i++ {
		upd := cur.DeepCopy()
		upd.Status = status
		err := r.updateStatus(ctx, upd)
		if err == nil || i == 1 || apierrors.IsNotFound(err) {
			return ignoreNotFound(err)
		}
		if cur, err = r.fresh(ctx, rs.Namespace, rs.Name); err != nil {
			return ignoreNotFound(err)
		}
		if cur.UID != rs.UID {
			return nil // replaced by a new object of the same name
		}
	}
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
