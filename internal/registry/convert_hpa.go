package registry

import (
	"encoding/json"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// autoscaling/v1 <-> v2 HorizontalPodAutoscalers. v1 has one metric, a CPU
// utilization target; what else a v2 object holds travels in annotations
// of the v1 object, in the formats upstream uses, so that v1 clients keep
// it through a read-modify-write.

const (
	hpaMetricsAnnotation    = "autoscaling.alpha.kubernetes.io/metrics"
	hpaCurrentAnnotation    = "autoscaling.alpha.kubernetes.io/current-metrics"
	hpaConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
	hpaBehaviorAnnotation   = "autoscaling.alpha.kubernetes.io/behavior"
)

var hpaRoundTripAnnotations = []string{hpaMetricsAnnotation, hpaCurrentAnnotation, hpaConditionsAnnotation, hpaBehaviorAnnotation}

func convertHPAV1ToV2(obj runtime.Object) (runtime.Object, error) {
	in, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if !ok {
		return nil, fmt.Errorf("no conversion for %T", obj)
	}
	in = in.DeepCopy()
	out := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: in.ObjectMeta}
	out.APIVersion, out.Kind = "autoscaling/v2", "HorizontalPodAutoscaler"
	ref := in.Spec.ScaleTargetRef
	out.Spec = autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: ref.Kind, Name: ref.Name, APIVersion: ref.APIVersion},
		MinReplicas:    in.Spec.MinReplicas, MaxReplicas: in.Spec.MaxReplicas,
	}
	st := in.Status
	out.Status = autoscalingv2.HorizontalPodAutoscalerStatus{ObservedGeneration: st.ObservedGeneration,
		LastScaleTime: st.LastScaleTime, CurrentReplicas: st.CurrentReplicas, DesiredReplicas: st.DesiredReplicas}
	if err := hpaFromAnnotations(in, out); err != nil {
		return nil, err
	}
	dropAnnotations(&out.ObjectMeta.Annotations, hpaRoundTripAnnotations)
	return out, nil
}

// hpaFromAnnotations fills the v2-only fields from the v1 object.
func hpaFromAnnotations(in *autoscalingv1.HorizontalPodAutoscaler, out *autoscalingv2.HorizontalPodAutoscaler) error {
	if err := metricsFromAnnotations(in, out); err != nil {
		return err
	}
	if err := statusFromAnnotations(in, out); err != nil {
		return err
	}
	var behavior *hpaBehaviorJSON
	if err := fromAnnotation(in.Annotations, hpaBehaviorAnnotation, &behavior); err != nil {
		return err
	}
	if behavior != nil && (behavior.ScaleUp != nil || behavior.ScaleDown != nil) {
		out.Spec.Behavior = behavior.toV2()
	}
	return nil
}

// metricsFromAnnotations: the annotated metrics, then the CPU target; with
// neither, upstream's 80% CPU default.
func metricsFromAnnotations(in *autoscalingv1.HorizontalPodAutoscaler, out *autoscalingv2.HorizontalPodAutoscaler) error {
	var metrics []autoscalingv1.MetricSpec
	if err := fromAnnotation(in.Annotations, hpaMetricsAnnotation, &metrics); err != nil {
		return err
	}
	for _, m := range metrics {
		out.Spec.Metrics = append(out.Spec.Metrics, metricSpecV1ToV2(m))
	}
	if t := in.Spec.TargetCPUUtilizationPercentage; t != nil {
		out.Spec.Metrics = append(out.Spec.Metrics, cpuUtilizationMetric(*t))
	}
	if len(out.Spec.Metrics) == 0 {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilizationMetric(defaultCPUUtilization)}
	}
	return nil
}

// statusFromAnnotations: current metrics (the annotation, when present,
// has more than currentCPUUtilizationPercentage) and conditions.
func statusFromAnnotations(in *autoscalingv1.HorizontalPodAutoscaler, out *autoscalingv2.HorizontalPodAutoscaler) error {
	if cpu := in.Status.CurrentCPUUtilizationPercentage; cpu != nil {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU,
				Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptrTo(*cpu)}}}}
	}
	var current []autoscalingv1.MetricStatus
	if err := fromAnnotation(in.Annotations, hpaCurrentAnnotation, &current); err != nil {
		return err
	}
	if _, ok := in.Annotations[hpaCurrentAnnotation]; ok {
		out.Status.CurrentMetrics = nil
		for _, m := range current {
			out.Status.CurrentMetrics = append(out.Status.CurrentMetrics, metricStatusV1ToV2(m))
		}
	}
	var conds []autoscalingv1.HorizontalPodAutoscalerCondition
	if err := fromAnnotation(in.Annotations, hpaConditionsAnnotation, &conds); err != nil {
		return err
	}
	for _, c := range conds {
		out.Status.Conditions = append(out.Status.Conditions, autoscalingv2.HorizontalPodAutoscalerCondition{
			Type: autoscalingv2.HorizontalPodAutoscalerConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return nil
}

func fromAnnotation(ann map[string]string, key string, into any) error {
	s, ok := ann[key]
	if !ok {
		return nil
	}
	if err := json.Unmarshal([]byte(s), into); err != nil {
		return fmt.Errorf("annotation %s: %w", key, err)
	}
	return nil
}

func dropAnnotations(ann *map[string]string, keys []string) {
	for _, k := range keys {
		delete(*ann, k)
	}
	if len(*ann) == 0 {
		*ann = nil
	}
}

func convertHPAV2ToV1(obj runtime.Object) (runtime.Object, error) {
	in, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return nil, fmt.Errorf("no conversion for %T", obj)
	}
	in = in.DeepCopy()
	out := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: in.ObjectMeta}
	out.APIVersion, out.Kind = "autoscaling/v1", "HorizontalPodAutoscaler"
	dropAnnotations(&out.Annotations, hpaRoundTripAnnotations)
	ref := in.Spec.ScaleTargetRef
	out.Spec = autoscalingv1.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: ref.Kind, Name: ref.Name, APIVersion: ref.APIVersion},
		MinReplicas:    in.Spec.MinReplicas, MaxReplicas: in.Spec.MaxReplicas,
	}
	st := in.Status
	out.Status = autoscalingv1.HorizontalPodAutoscalerStatus{ObservedGeneration: st.ObservedGeneration,
		LastScaleTime: st.LastScaleTime, CurrentReplicas: st.CurrentReplicas, DesiredReplicas: st.DesiredReplicas}
	var other []autoscalingv1.MetricSpec
	for _, m := range in.Spec.Metrics {
		if isCPUUtilization(m) {
			if out.Spec.TargetCPUUtilizationPercentage == nil {
				out.Spec.TargetCPUUtilizationPercentage = ptrTo(*m.Resource.Target.AverageUtilization)
			}
			continue
		}
		other = append(other, metricSpecV2ToV1(m))
	}
	if err := hpaToAnnotations(in, out, other); err != nil {
		return nil, err
	}
	return out, nil
}

func isCPUUtilization(m autoscalingv2.MetricSpec) bool {
	return m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil &&
		m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.AverageUtilization != nil
}

// hpaToAnnotations stores what v1 cannot express in annotations.
func hpaToAnnotations(in *autoscalingv2.HorizontalPodAutoscaler, out *autoscalingv1.HorizontalPodAutoscaler, other []autoscalingv1.MetricSpec) error {
	values := map[string]any{}
	if len(other) > 0 {
		values[hpaMetricsAnnotation] = other
	}
	if current := currentMetricsV1(in, out); len(current) > 0 {
		values[hpaCurrentAnnotation] = current
	}
	if conds := conditionsV1(in.Status.Conditions); len(conds) > 0 {
		values[hpaConditionsAnnotation] = conds
	}
	if in.Spec.Behavior != nil {
		values[hpaBehaviorAnnotation] = behaviorToJSON(in.Spec.Behavior)
	}
	for _, k := range sortedKeys(values) {
		b, err := json.Marshal(values[k])
		if err != nil {
			return err
		}
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		out.Annotations[k] = string(b)
	}
	return nil
}

// currentMetricsV1 converts the current metrics, and sets the v1 CPU
// utilization from the CPU one.
func currentMetricsV1(in *autoscalingv2.HorizontalPodAutoscaler, out *autoscalingv1.HorizontalPodAutoscaler) []autoscalingv1.MetricStatus {
	var current []autoscalingv1.MetricStatus
	for _, m := range in.Status.CurrentMetrics {
		current = append(current, metricStatusV2ToV1(m))
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Current.AverageUtilization != nil {
			out.Status.CurrentCPUUtilizationPercentage = ptrTo(*m.Resource.Current.AverageUtilization)
		}
	}
	return current
}

func conditionsV1(in []autoscalingv2.HorizontalPodAutoscalerCondition) []autoscalingv1.HorizontalPodAutoscalerCondition {
	var out []autoscalingv1.HorizontalPodAutoscalerCondition
	for _, c := range in {
		out = append(out, autoscalingv1.HorizontalPodAutoscalerCondition{Type: autoscalingv1.HorizontalPodAutoscalerConditionType(c.Type),
			Status: c.Status, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return out
}
