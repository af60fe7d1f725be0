package integration

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The system PriorityClasses exist, and a pod's priorityClassName is turned
// into spec.priority at admission; an unknown class is refused with 403.
func TestPriorityAdmission(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	for name, value := range map[string]int32{"system-cluster-critical": 2000000000, "system-node-critical": 2000001000} {
		pc, err := client.SchedulingV1().PriorityClasses().Get(ctx, name, metav1.GetOptions{})
		if err != nil || pc.Value != value {
			t.Fatalf("%s: %v %v", name, pc, err)
		}
	}
	if _, err := client.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "it-high"}, Value: 1000}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.SchedulingV1().PriorityClasses().Delete(ctx, "it-high", metav1.DeleteOptions{}) })
	mk := func(name, class string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{PriorityClassName: class, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	}
	p, err := client.CoreV1().Pods(ns).Create(ctx, mk("high", "it-high"), metav1.CreateOptions{})
	if err != nil || p.Spec.Priority == nil || *p.Spec.Priority != 1000 || p.Spec.PreemptionPolicy == nil || *p.Spec.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Fatalf("pod with class: %v %v", p.Spec.Priority, err)
	}
	p, err = client.CoreV1().Pods(ns).Create(ctx, mk("plain", ""), metav1.CreateOptions{})
	if err != nil || p.Spec.Priority == nil || *p.Spec.Priority != 0 {
		t.Fatalf("pod without class: %v %v", p.Spec.Priority, err)
	}
	_, err = client.CoreV1().Pods(ns).Create(ctx, mk("ghost", "no-such-class"), metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("unknown class: got %v, want 403", err)
	}
}
