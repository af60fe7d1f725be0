package admission

import (
	"context"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func TestDefaultTolerationSeconds(t *testing.T) {
	notReady := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)}
	unreachable := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](200)}
	own := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](2)}
	other := corev1.Toleration{Key: "test", Operator: corev1.TolerationOpEqual, Value: "x", Effect: corev1.TaintEffectNoSchedule}
	noSchedule := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}
	for name, tc := range map[string]struct {
		in, want []corev1.Toleration
	}{
		"none":                      {nil, []corev1.Toleration{notReady, unreachable}},
		"unrelated kept":            {[]corev1.Toleration{other}, []corev1.Toleration{other, notReady, unreachable}},
		"own unreachable kept":      {[]corev1.Toleration{own}, []corev1.Toleration{own, notReady}},
		"NoSchedule does not count": {[]corev1.Toleration{noSchedule}, []corev1.Toleration{noSchedule, notReady, unreachable}},
		"tolerate everything":       {[]corev1.Toleration{{Operator: corev1.TolerationOpExists}}, []corev1.Toleration{{Operator: corev1.TolerationOpExists}}},
		"any effect of the key":     {[]corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists}}, []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists}, unreachable}},
	} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: tc.in}}
		a := &Attributes{Operation: Create, Resource: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, Object: pod}
		if err := (DefaultTolerationSeconds{NotReady: 300, Unreachable: 200}).Admit(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(pod.Spec.Tolerations, tc.want) {
			t.Errorf("%s: got %+v, want %+v", name, pod.Spec.Tolerations, tc.want)
		}
	}
	// Subresources (pods/status, pods/binding) and deletes are left alone.
	pod := &corev1.Pod{}
	a := &Attributes{Operation: Update, Subresource: "status", Resource: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, Object: pod}
	if err := (DefaultTolerationSeconds{NotReady: 300, Unreachable: 300}).Admit(context.Background(), a); err != nil || len(pod.Spec.Tolerations) != 0 {
		t.Errorf("status update: err %v tolerations %v", err, pod.Spec.Tolerations)
	}
}
