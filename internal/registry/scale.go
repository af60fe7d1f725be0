package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

func selectorString(s *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil || s == nil {
		return ""
	}
	return sel.String()
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

var deploymentScale = &ScaleAccessor{
	Get: func(o runtime.Object) (int32, int32, string) {
		d := o.(*appsv1.Deployment)
		return replicas(d.Spec.Replicas), d.Status.Replicas, selectorString(d.Spec.Selector)
	},
	Set: func(o runtime.Object, n int32) { o.(*appsv1.Deployment).Spec.Replicas = &n },
}

var replicaSetScale = &ScaleAccessor{
	Get: func(o runtime.Object) (int32, int32, string) {
		d := o.(*appsv1.ReplicaSet)
		return replicas(d.Spec.Replicas), d.Status.Replicas, selectorString(d.Spec.Selector)
	},
	Set: func(o runtime.Object, n int32) { o.(*appsv1.ReplicaSet).Spec.Replicas = &n },
}

var statefulSetScale = &ScaleAccessor{
	Get: func(o runtime.Object) (int32, int32, string) {
		d := o.(*appsv1.StatefulSet)
		return replicas(d.Spec.Replicas), d.Status.Replicas, selectorString(d.Spec.Selector)
	},
	Set: func(o runtime.Object, n int32) { o.(*appsv1.StatefulSet).Spec.Replicas = &n },
}

var rcScale = &ScaleAccessor{
	Get: func(o runtime.Object) (int32, int32, string) {
		d := o.(*corev1.ReplicationController)
		return replicas(d.Spec.Replicas), d.Status.Replicas, labels.SelectorFromSet(d.Spec.Selector).String()
	},
	Set: func(o runtime.Object, n int32) { o.(*corev1.ReplicationController).Spec.Replicas = &n },
}
