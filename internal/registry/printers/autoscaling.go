package printers

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func autoscalingPrinters() map[string]Printer {
	return map[string]Printer{
		"horizontalpodautoscalers": {Columns: hpaColumns, Cells: hpaCells},
	}
}

var hpaColumns = columns(nameColumn(),
	column("Reference", "string", "Kind and name of the scaled object."),
	column("Targets", "string", "Current and target values of the metrics."),
	column("MinPods", "string", "Lower bound of replicas."),
	column("MaxPods", "string", "Upper bound of replicas."),
	column("Replicas", "string", "Current number of replicas."),
	ageColumn())

// hpaCells prints autoscaling/v2 objects; autoscaling/v1 ones are converted first, as upstream does.
func hpaCells(obj runtime.Object, now time.Time) ([]interface{}, error) {
	switch h := obj.(type) {
	case *autoscalingv2.HorizontalPodAutoscaler:
		return hpaV2Cells(h, now), nil
	case *autoscalingv1.HorizontalPodAutoscaler:
		return hpaV2Cells(hpaFromV1(h), now), nil
	}
	return nil, wrongType(obj)
}

func hpaV2Cells(h *autoscalingv2.HorizontalPodAutoscaler, now time.Time) []interface{} {
	ref := h.Spec.ScaleTargetRef.Kind + "/" + h.Spec.ScaleTargetRef.Name
	minPods := "1" // the default
	if h.Spec.MinReplicas != nil {
		minPods = fmt.Sprintf("%d", *h.Spec.MinReplicas)
	}
	metrics := h.Spec.Metrics
	if len(metrics) == 0 {
		metrics = []autoscalingv2.MetricSpec{defaultCPUMetric()}
	}
	return []interface{}{
		h.Name, ref, hpaTargets(metrics, h.Status.CurrentMetrics), minPods,
		int64(h.Spec.MaxReplicas), int64(h.Status.CurrentReplicas), age(h.CreationTimestamp, now),
	}
}

// defaultCPUMetric is what the API defaults an HPA without metrics to: 80% CPU.
func defaultCPUMetric() autoscalingv2.MetricSpec {
	return cpuUtilization(80)
}

func cpuUtilization(percent int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &percent},
		},
	}
}

// hpaTargets shows the first two metrics as current/target.
func hpaTargets(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	list := make([]string, len(specs))
	for i, spec := range specs {
		var status *autoscalingv2.MetricStatus
		if i < len(statuses) {
			status = &statuses[i]
		}
		list[i] = hpaTarget(spec, status)
	}
	if len(list) > 2 {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:2], ", "), len(list)-2)
	}
	return strings.Join(list, ", ")
}

func hpaTarget(spec autoscalingv2.MetricSpec, st *autoscalingv2.MetricStatus) string {
	cur := currentValue(st)
	switch {
	case spec.Type == autoscalingv2.ExternalMetricSourceType && spec.External != nil:
		return valueTarget(spec.External.Target, cur.external)
	case spec.Type == autoscalingv2.PodsMetricSourceType && spec.Pods != nil:
		current := "<unknown>"
		if cur.pods != nil {
			current = cur.pods.AverageValue.String()
		}
		return current + "/" + spec.Pods.Target.AverageValue.String()
	case spec.Type == autoscalingv2.ObjectMetricSourceType && spec.Object != nil:
		return valueTarget(spec.Object.Target, cur.object)
	case spec.Type == autoscalingv2.ResourceMetricSourceType && spec.Resource != nil:
		return resourceTarget(spec.Resource.Name, spec.Resource.Target, cur.resource)
	case spec.Type == autoscalingv2.ContainerResourceMetricSourceType && spec.ContainerResource != nil:
		return resourceTarget(spec.ContainerResource.Name, spec.ContainerResource.Target, cur.container)
	}
	return "<unknown type>"
}

// currents holds a metric status's current values by source, nil when not reported.
type currents struct {
	external, pods, object, resource, container *autoscalingv2.MetricValueStatus
}

func currentValue(st *autoscalingv2.MetricStatus) currents {
	var c currents
	if st == nil {
		return c
	}
	if st.External != nil {
		c.external = &st.External.Current
	}
	if st.Pods != nil {
		c.pods = &st.Pods.Current
	}
	if st.Object != nil {
		c.object = &st.Object.Current
	}
	if st.Resource != nil {
		c.resource = &st.Resource.Current
	}
	if st.ContainerResource != nil {
		c.container = &st.ContainerResource.Current
	}
	return c
}

// valueTarget formats External and Object metrics: "cur/target (avg)" for average values.
func valueTarget(target autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
	current := "<unknown>"
	if target.AverageValue != nil {
		if cur != nil && cur.AverageValue != nil {
			current = cur.AverageValue.String()
		}
		return fmt.Sprintf("%s/%s (avg)", current, target.AverageValue.String())
	}
	if cur != nil {
		current = cur.Value.String()
	}
	return fmt.Sprintf("%s/%s", current, target.Value.String())
}

// resourceTarget formats Resource and ContainerResource metrics: "cpu: 50%/80%".
func resourceTarget(name corev1.ResourceName, target autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
	current := "<unknown>"
	if target.AverageValue != nil {
		if cur != nil {
			current = cur.AverageValue.String()
		}
		return fmt.Sprintf("%s: %s/%s", name, current, target.AverageValue.String())
	}
	if cur != nil && cur.AverageUtilization != nil {
		current = fmt.Sprintf("%d%%", *cur.AverageUtilization)
	}
	want := "<auto>"
	if target.AverageUtilization != nil {
		want = fmt.Sprintf("%d%%", *target.AverageUtilization)
	}
	return fmt.Sprintf("%s: %s/%s", name, current, want)
}

// autoscaling/v1 keeps the metrics it cannot express in annotations.
const (
	hpaMetricsAnnotation        = "autoscaling.alpha.kubernetes.io/metrics"
	hpaCurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
)

// hpaFromV1 converts what the table shows of a v1 autoscaler to v2.
func hpaFromV1(in *autoscalingv1.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	out := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: in.ObjectMeta}
	out.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference(in.Spec.ScaleTargetRef)
	out.Spec.MinReplicas, out.Spec.MaxReplicas = in.Spec.MinReplicas, in.Spec.MaxReplicas
	out.Status.CurrentReplicas = in.Status.CurrentReplicas
	var other []autoscalingv1.MetricSpec
	if json.Unmarshal([]byte(in.Annotations[hpaMetricsAnnotation]), &other) == nil {
		for _, m := range other {
			out.Spec.Metrics = append(out.Spec.Metrics, metricSpecFromV1(m))
		}
	}
	if p := in.Spec.TargetCPUUtilizationPercentage; p != nil {
		out.Spec.Metrics = append(out.Spec.Metrics, cpuUtilization(*p))
	}
	out.Status.CurrentMetrics = hpaStatusFromV1(in)
	return out
}

func hpaStatusFromV1(in *autoscalingv1.HorizontalPodAutoscaler) []autoscalingv2.MetricStatus {
	var current []autoscalingv1.MetricStatus
	if enc, ok := in.Annotations[hpaCurrentMetricsAnnotation]; ok && json.Unmarshal([]byte(enc), &current) == nil {
		out := make([]autoscalingv2.MetricStatus, len(current))
		for i, m := range current {
			out[i] = metricStatusFromV1(m)
		}
		return out
	}
	if p := in.Status.CurrentCPUUtilizationPercentage; p != nil {
		return []autoscalingv2.MetricStatus{{
			Type:     autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: p}},
		}}
	}
	return nil
}

func metricSpecFromV1(in autoscalingv1.MetricSpec) autoscalingv2.MetricSpec {
	out := autoscalingv2.MetricSpec{Type: autoscalingv2.MetricSourceType(in.Type)}
	switch {
	case in.Object != nil:
		out.Object = &autoscalingv2.ObjectMetricSource{Target: autoscalingv2.MetricTarget{Value: &in.Object.TargetValue, AverageValue: in.Object.AverageValue}}
	case in.Pods != nil:
		out.Pods = &autoscalingv2.PodsMetricSource{Target: autoscalingv2.MetricTarget{AverageValue: &in.Pods.TargetAverageValue}}
	case in.Resource != nil:
		out.Resource = &autoscalingv2.ResourceMetricSource{Name: in.Resource.Name,
			Target: autoscalingv2.MetricTarget{AverageUtilization: in.Resource.TargetAverageUtilization, AverageValue: in.Resource.TargetAverageValue}}
	case in.ContainerResource != nil:
		out.ContainerResource = &autoscalingv2.ContainerResourceMetricSource{Name: in.ContainerResource.Name,
			Target: autoscalingv2.MetricTarget{AverageUtilization: in.ContainerResource.TargetAverageUtilization, AverageValue: in.ContainerResource.TargetAverageValue}}
	case in.External != nil:
		out.External = &autoscalingv2.ExternalMetricSource{Target: autoscalingv2.MetricTarget{Value: in.External.TargetValue, AverageValue: in.External.TargetAverageValue}}
	}
	return out
}

func metricStatusFromV1(in autoscalingv1.MetricStatus) autoscalingv2.MetricStatus {
	out := autoscalingv2.MetricStatus{Type: autoscalingv2.MetricSourceType(in.Type)}
	switch {
	case in.Object != nil:
		out.Object = &autoscalingv2.ObjectMetricStatus{Current: autoscalingv2.MetricValueStatus{Value: &in.Object.CurrentValue, AverageValue: in.Object.AverageValue}}
	case in.Pods != nil:
		out.Pods = &autoscalingv2.PodsMetricStatus{Current: autoscalingv2.MetricValueStatus{AverageValue: &in.Pods.CurrentAverageValue}}
	case in.Resource != nil:
		out.Resource = &autoscalingv2.ResourceMetricStatus{Name: in.Resource.Name,
			Current: autoscalingv2.MetricValueStatus{AverageUtilization: in.Resource.CurrentAverageUtilization, AverageValue: &in.Resource.CurrentAverageValue}}
	case in.ContainerResource != nil:
		out.ContainerResource = &autoscalingv2.ContainerResourceMetricStatus{Name: in.ContainerResource.Name,
			Current: autoscalingv2.MetricValueStatus{AverageUtilization: in.ContainerResource.CurrentAverageUtilization, AverageValue: &in.ContainerResource.CurrentAverageValue}}
	case in.External != nil:
		out.External = &autoscalingv2.ExternalMetricStatus{Current: autoscalingv2.MetricValueStatus{Value: &in.External.CurrentValue, AverageValue: in.External.CurrentAverageValue}}
	}
	return out
}
