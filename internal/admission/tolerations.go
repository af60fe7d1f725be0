package admission

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// DefaultTolerationSeconds gives every pod that does not already tolerate
// them the tolerations node.kubernetes.io/not-ready:NoExecute and
// node.kubernetes.io/unreachable:NoExecute for a bounded time (300 s by
// default), as upstream's plugin of the same name: a pod on a node that
// stops reporting is evicted after that long, so that its controller can
// replace it elsewhere.
type DefaultTolerationSeconds struct {
	NotReady    int64 // --default-not-ready-toleration-seconds
	Unreachable int64 // --default-unreachable-toleration-seconds
}

func (DefaultTolerationSeconds) Name() string { return "DefaultTolerationSeconds" }

func (p DefaultTolerationSeconds) Admit(_ context.Context, a *Attributes) error {
	pod, ok := a.Object.(*corev1.Pod)
	if !ok || a.Resource.Group != "" || a.Resource.Resource != "pods" || a.Subresource != "" {
		return nil
	}
	if a.Operation != Create && a.Operation != Update {
		return nil
	}
	pod.Spec.Tolerations = withDefaultTolerations(pod.Spec.Tolerations, p.NotReady, p.Unreachable)
	return nil
}

// withDefaultTolerations appends the two default tolerations a pod lacks.
// Any toleration of the taint's key (or of every key) for the NoExecute
// effect (or every effect) counts, whatever its operator and seconds.
func withDefaultTolerations(tols []corev1.Toleration, notReady, unreachable int64) []corev1.Toleration {
	add := func(key string, seconds int64) {
		for _, t := range tols {
			if (t.Key == key || t.Key == "") && (t.Effect == corev1.TaintEffectNoExecute || t.Effect == "") {
				return
			}
		}
		tols = append(tols, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds,
		})
	}
	add(corev1.TaintNodeNotReady, notReady)
	add(corev1.TaintNodeUnreachable, unreachable)
	return tols
}
