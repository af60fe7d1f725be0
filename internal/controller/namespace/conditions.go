package namespace

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// conditionsFor computes the status conditions upstream's namespace
// controller reports while deleting.
func conditionsFor(discoveryErr, deleteErr error, remaining string) []corev1.NamespaceCondition {
	cond := func(t corev1.NamespaceConditionType, err error, okReason, badReason string) corev1.NamespaceCondition {
		if err == nil {
			return corev1.NamespaceCondition{Type: t, Status: corev1.ConditionFalse, Reason: okReason, Message: "All resources successfully discovered"}
		}
		return corev1.NamespaceCondition{Type: t, Status: corev1.ConditionTrue, Reason: badReason, Message: err.Error()}
	}
	conds := []corev1.NamespaceCondition{
		cond(corev1.NamespaceDeletionDiscoveryFailure, discoveryErr, "ResourcesDiscovered", "DiscoveryFailed"),
		{Type: corev1.NamespaceDeletionGVParsingFailure, Status: corev1.ConditionFalse, Reason: "ParsedGroupVersions", Message: "All legacy kube types successfully parsed"},
	}
	content := corev1.NamespaceCondition{Type: corev1.NamespaceDeletionContentFailure, Status: corev1.ConditionFalse, Reason: "ContentDeleted", Message: "All content successfully deleted, may be waiting on finalization"}
	if deleteErr != nil {
		content = corev1.NamespaceCondition{Type: corev1.NamespaceDeletionContentFailure, Status: corev1.ConditionTrue, Reason: "ContentDeletionFailed", Message: deleteErr.Error()}
	}
	rem := corev1.NamespaceCondition{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionFalse, Reason: "ContentRemoved", Message: "All content successfully removed"}
	if remaining != "" {
		rem = corev1.NamespaceCondition{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "Some resources are remaining: " + remaining}
	}
	return append(conds, content, rem)
}

// setConditions writes the conditions when they changed.
func (c *Controller) setConditions(ctx context.Context, ns *corev1.Namespace, conds []corev1.NamespaceCondition) error {
	out := ns.DeepCopy()
	changed := false
	for _, want := range conds {
		i := indexOf(out.Status.Conditions, want.Type)
		if i >= 0 {
			cur := out.Status.Conditions[i]
			if cur.Status == want.Status && cur.Reason == want.Reason && cur.Message == want.Message {
				continue
			}
			want.LastTransitionTime = metav1.Now()
			out.Status.Conditions[i] = want
		} else {
			want.LastTransitionTime = metav1.Now()
			out.Status.Conditions = append(out.Status.Conditions, want)
		}
		changed = true
	}
	if !changed {
		return nil
	}
	_, err := c.client.CoreV1().Namespaces().UpdateStatus(ctx, out, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // the next event brings a fresh copy
	}
	return err
}

func indexOf(cs []corev1.NamespaceCondition, t corev1.NamespaceConditionType) int {
	for i, c := range cs {
		if c.Type == t {
			return i
		}
	}
	return -1
}
