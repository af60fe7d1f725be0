package nodelifecycle

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// probe is what the controller last saw of a node's two heartbeats — the
// Ready condition's lastHeartbeatTime and the Lease's renewTime — and when
// either last moved, on the controller's own clock: as upstream, the
// kubelet's clock is never compared with ours, only watched for change.
// Lost on restart, a probe is rebuilt by giving every node a fresh grace
// period.
type probe struct {
	heartbeat metav1.Time
	renew     metav1.MicroTime
	at        time.Time
	// ready is the Ready status seen last time, to notice transitions.
	ready v1.ConditionStatus
}

// newProbe starts watching a node now; one that never posted its status
// is counted from its creation, as upstream.
func newProbe(node *v1.Node, lease *coordinationv1.Lease, now time.Time) *probe {
	p := &probe{at: now, ready: readyStatus(node)}
	if created := node.CreationTimestamp.Time; condition(node, v1.NodeReady) == nil && !created.IsZero() && created.Before(now) {
		p.at = created
	}
	p.observe(node, lease, now)
	return p
}

// observe records the node's and lease's heartbeats; a newer one moves the
// probe time to now.
func (p *probe) observe(node *v1.Node, lease *coordinationv1.Lease, now time.Time) {
	if c := condition(node, v1.NodeReady); c != nil && c.LastHeartbeatTime.After(p.heartbeat.Time) {
		p.heartbeat, p.at = c.LastHeartbeatTime, now
	}
	if lease != nil && lease.Spec.RenewTime != nil && p.renew.Before(lease.Spec.RenewTime) {
		p.renew, p.at = *lease.Spec.RenewTime, now
	}
}

// stale reports a node that has shown no sign of life for longer than grace.
func (p *probe) stale(now time.Time, grace time.Duration) bool { return now.Sub(p.at) > grace }

func condition(node *v1.Node, t v1.NodeConditionType) *v1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == t {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// readyStatus is the node's Ready status; a node that never posted one is
// Unknown.
func readyStatus(node *v1.Node) v1.ConditionStatus {
	if c := condition(node, v1.NodeReady); c != nil {
		return c.Status
	}
	return v1.ConditionUnknown
}
