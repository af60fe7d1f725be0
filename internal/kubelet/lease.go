package kubelet

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

const (
	leaseNamespace       = "kube-node-lease"
	defaultLeaseDuration = 40 // seconds, upstream's node-monitor grace period
)

// leaseRenew is how often the Lease is renewed: a quarter of its duration,
// as upstream's kubelet (10 s by default).
func (k *Kubelet) leaseRenew() time.Duration {
	return time.Duration(k.cfg.NodeLeaseDurationSeconds) * time.Second / 4
}

// runLease renews the node's Lease in kube-node-lease every quarter of its
// duration: the cheap heartbeat the node lifecycle controller watches.
func (k *Kubelet) runLease(ctx context.Context) {
	var lease *coordinationv1.Lease
	for {
		lease = k.renewLease(ctx, lease)
		select {
		case <-ctx.Done():
			return
		case <-k.clock.After(k.leaseRenew()):
		}
	}
}

func (k *Kubelet) renewLease(ctx context.Context, lease *coordinationv1.Lease) *coordinationv1.Lease {
	leases := k.client.CoordinationV1().Leases(leaseNamespace)
	now := metav1.NewMicroTime(k.clock.Now())
	if lease == nil {
		got, err := leases.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			created, err := leases.Create(ctx, k.newLease(ctx, now), metav1.CreateOptions{})
			if err != nil {
				k.log.Warn("create lease", "err", err)
				return nil
			}
			return created
		case err != nil:
			k.log.Warn("get lease", "err", err)
			return nil
		}
		lease = got
	}
	l := lease.DeepCopy()
	l.Spec.RenewTime = &now
	l.Spec.HolderIdentity = ptr.To(k.cfg.NodeName)
	l.Spec.LeaseDurationSeconds = ptr.To(k.cfg.NodeLeaseDurationSeconds)
	updated, err := leases.Update(ctx, l, metav1.UpdateOptions{})
	if err != nil {
		k.log.Warn("renew lease", "err", err)
		return nil // read it again next time
	}
	return updated
}

func (k *Kubelet) newLease(ctx context.Context, now metav1.MicroTime) *coordinationv1.Lease {
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Namespace: leaseNamespace},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: ptr.To(k.cfg.NodeName), LeaseDurationSeconds: ptr.To(k.cfg.NodeLeaseDurationSeconds), RenewTime: &now,
		},
	}
	if node, err := k.client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{}); err == nil {
		l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
	}
	return l
}
