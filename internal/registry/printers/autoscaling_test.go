package printers

import (
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func qty(s string) *resource.Quantity { q := resource.MustParse(s); return &q }

func hpaV2(metrics []autoscalingv2.MetricSpec, current []autoscalingv2.MetricStatus) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: meta5m("web"),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:    ptr(int32(2)), MaxReplicas: 10, Metrics: metrics},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, CurrentMetrics: current}}
}

func hpaRow(targets string) []interface{} {
	return []interface{}{"web", "Deployment/web", targets, "2", int64(10), int64(3), "5m"}
}

func resourceMetric(name corev1.ResourceName, target autoscalingv2.MetricTarget) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{Name: name, Target: target}}
}

func TestHPAV2Cells(t *testing.T) {
	cpu := resourceMetric(corev1.ResourceCPU, autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(50))})
	mem := resourceMetric(corev1.ResourceMemory, autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qty("512Mi")})
	pods := autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricSource{Target: autoscalingv2.MetricTarget{AverageValue: qty("1k")}}}
	object := autoscalingv2.MetricSpec{Type: autoscalingv2.ObjectMetricSourceType,
		Object: &autoscalingv2.ObjectMetricSource{Target: autoscalingv2.MetricTarget{Value: qty("10")}}}
	external := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{Target: autoscalingv2.MetricTarget{AverageValue: qty("30")}}}
	container := autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType,
		ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: corev1.ResourceCPU, Container: "app",
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType}}}
	cpuNow := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(int32(23))}}}
	memNow := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceMemory, Current: autoscalingv2.MetricValueStatus{AverageValue: qty("100Mi")}}}
	objectNow := autoscalingv2.MetricStatus{Type: autoscalingv2.ObjectMetricSourceType,
		Object: &autoscalingv2.ObjectMetricStatus{Current: autoscalingv2.MetricValueStatus{Value: qty("7")}}}
	noMin := hpaV2(nil, nil)
	noMin.Spec.MinReplicas = nil

	checkCells(t, "autoscaling", "horizontalpodautoscalers", []cellCase{
		{"cpu", hpaV2([]autoscalingv2.MetricSpec{cpu}, []autoscalingv2.MetricStatus{cpuNow}), hpaRow("cpu: 23%/50%")},
		{"cpu unknown", hpaV2([]autoscalingv2.MetricSpec{cpu}, nil), hpaRow("cpu: <unknown>/50%")},
		{"memory value", hpaV2([]autoscalingv2.MetricSpec{mem}, []autoscalingv2.MetricStatus{memNow}), hpaRow("memory: 100Mi/512Mi")},
		{"object and more", hpaV2([]autoscalingv2.MetricSpec{object, pods, external, container},
			[]autoscalingv2.MetricStatus{objectNow}), hpaRow("7/10, <unknown>/1k + 2 more...")},
		{"external average", hpaV2([]autoscalingv2.MetricSpec{external, container}, nil),
			hpaRow("<unknown>/30 (avg), cpu: <unknown>/<auto>")},
		{"defaults", noMin, []interface{}{"web", "Deployment/web", "cpu: <unknown>/80%", "1", int64(10), int64(3), "5m"}},
	})
}

func TestHPAV1Cells(t *testing.T) {
	base := func() *autoscalingv1.HorizontalPodAutoscaler {
		return &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: meta5m("web"),
			Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
				MinReplicas:    ptr(int32(2)), MaxReplicas: 10},
			Status: autoscalingv1.HorizontalPodAutoscalerStatus{CurrentReplicas: 3}}
	}
	cpu := base()
	cpu.Spec.TargetCPUUtilizationPercentage = ptr(int32(70))
	cpu.Status.CurrentCPUUtilizationPercentage = ptr(int32(35))
	annotated := base()
	annotated.Spec.TargetCPUUtilizationPercentage = ptr(int32(70))
	annotated.Annotations = map[string]string{
		"autoscaling.alpha.kubernetes.io/metrics":         `[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"1Gi"}}]`,
		"autoscaling.alpha.kubernetes.io/current-metrics": `[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"300Mi"}},{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":12,"currentAverageValue":"100m"}}]`,
	}
	checkCells(t, "autoscaling", "horizontalpodautoscalers", []cellCase{
		{"cpu", cpu, hpaRow("cpu: 35%/70%")},
		{"default cpu target", base(), hpaRow("cpu: <unknown>/80%")},
		{"annotations", annotated, hpaRow("memory: 300Mi/1Gi, cpu: 12%/70%")},
	})
}
