package registry

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func richHPA() *autoscalingv2.HorizontalPodAutoscaler {
	h := hpa()
	h.Annotations = map[string]string{"keep": "me"}
	h.Spec.MinReplicas = ptrTo[int32](2)
	h.Spec.Metrics = []autoscalingv2.MetricSpec{
		{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "qps"},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptrTo(q("10"))}}},
		{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "queue"},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: ptrTo(q("30"))}}},
		cpuUtilizationMetric(60),
	}
	h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptrTo[int32](120), SelectPolicy: ptrTo(autoscalingv2.MinChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}}}}
	h.Status = autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 2, DesiredReplicas: 3,
		CurrentMetrics: []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
			Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptrTo[int32](70), AverageValue: ptrTo(q("700m"))}}}},
		Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue,
			Reason: "ReadyForNewScale", LastTransitionTime: metav1.NewTime(time.Unix(1700000000, 0))}}}
	return h
}

func TestHPAV2RoundTrip(t *testing.T) {
	in := richHPA()
	v1obj, err := hpaV2ToV1(in.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	v1 := v1obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if *v1.Spec.TargetCPUUtilizationPercentage != 60 || *v1.Status.CurrentCPUUtilizationPercentage != 70 {
		t.Errorf("v1 = %+v", v1)
	}
	for _, k := range []string{hpaMetricsAnnotation, hpaCurrentAnnotation, hpaConditionsAnnotation, hpaBehaviorAnnotation} {
		if v1.Annotations[k] == "" {
			t.Errorf("annotation %s missing", k)
		}
	}
	if !strings.Contains(v1.Annotations[hpaBehaviorAnnotation], `"StabilizationWindowSeconds":120`) {
		t.Errorf("behavior annotation not in upstream's format: %s", v1.Annotations[hpaBehaviorAnnotation])
	}
	back, err := hpaV1ToV2(v1)
	if err != nil {
		t.Fatal(err)
	}
	out := back.(*autoscalingv2.HorizontalPodAutoscaler)
	out.TypeMeta = in.TypeMeta
	if !equality.Semantic.DeepEqual(in, out) {
		a, _ := json.Marshal(in)
		b, _ := json.Marshal(out)
		t.Errorf("round trip differs:\n in %s\nout %s", a, b)
	}
}

func TestHPAV1RoundTrip(t *testing.T) {
	in := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: objMeta("web"), Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
		MinReplicas:    ptrTo[int32](1), MaxReplicas: 4, TargetCPUUtilizationPercentage: ptrTo[int32](55)},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{CurrentReplicas: 1, CurrentCPUUtilizationPercentage: ptrTo[int32](20)}}
	v2obj, err := hpaV1ToV2(in.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	v2 := v2obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if len(v2.Spec.Metrics) != 1 || *v2.Spec.Metrics[0].Resource.Target.AverageUtilization != 55 {
		t.Errorf("v2 metrics = %+v", v2.Spec.Metrics)
	}
	back, err := hpaV2ToV1(v2)
	if err != nil {
		t.Fatal(err)
	}
	out := back.(*autoscalingv1.HorizontalPodAutoscaler)
	out.TypeMeta = in.TypeMeta
	// The CPU status also travels as a current-metrics annotation.
	delete(out.Annotations, hpaCurrentAnnotation)
	if len(out.Annotations) == 0 {
		out.Annotations = nil
	}
	if !equality.Semantic.DeepEqual(in, out) {
		t.Errorf("round trip differs:\n in %+v\nout %+v", in, out)
	}
}

func TestHPAV1WithoutTargetGetsDefault(t *testing.T) {
	in := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: objMeta("web"), Spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 3}}
	out, err := hpaV1ToV2(in)
	if err != nil {
		t.Fatal(err)
	}
	if m := out.(*autoscalingv2.HorizontalPodAutoscaler).Spec.Metrics; len(m) != 1 || *m[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("metrics = %+v", m)
	}
	bad := in.DeepCopy()
	bad.Annotations = map[string]string{hpaMetricsAnnotation: "{"}
	if _, err := hpaV1ToV2(bad); err == nil {
		t.Errorf("malformed annotation accepted")
	}
}

func TestEventRoundTrip(t *testing.T) {
	now := metav1.NewMicroTime(time.Unix(1700000000, 123000))
	in := &eventsv1.Event{ObjectMeta: objMeta("e"), EventTime: now,
		Series:              &eventsv1.EventSeries{Count: 3, LastObservedTime: now},
		ReportingController: "example.com/ctl", ReportingInstance: "ctl-1", Action: "Sync", Reason: "Synced",
		Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p", UID: "u"},
		Related:   &corev1.ObjectReference{Kind: "Node", Name: "n"}, Note: "done", Type: corev1.EventTypeNormal,
		DeprecatedSource: corev1.EventSource{Component: "c", Host: "h"}, DeprecatedCount: 2,
		DeprecatedFirstTimestamp: metav1.NewTime(time.Unix(1600000000, 0)), DeprecatedLastTimestamp: metav1.NewTime(time.Unix(1650000000, 0))}
	coreObj, err := eventV1ToCore(in.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	ce := coreObj.(*corev1.Event)
	if ce.Message != "done" || ce.InvolvedObject.Name != "p" || ce.Count != 2 || ce.Source.Host != "h" || ce.Series.Count != 3 ||
		ce.ReportingController != "example.com/ctl" || ce.Action != "Sync" {
		t.Errorf("core event = %+v", ce)
	}
	back, err := coreEventToV1(ce)
	if err != nil {
		t.Fatal(err)
	}
	out := back.(*eventsv1.Event)
	out.TypeMeta = in.TypeMeta
	if !equality.Semantic.DeepEqual(in, out) {
		t.Errorf("round trip differs:\n in %+v\nout %+v", in, out)
	}
	if _, err := eventV1ToCore(&corev1.Event{}); err == nil {
		t.Errorf("wrong type accepted")
	}
}

func TestEventV1Fields(t *testing.T) {
	ev := &eventsv1.Event{Regarding: corev1.ObjectReference{Kind: "Pod", Name: "p"}, ReportingController: "ctl", Type: "Warning"}
	f := eventV1Strategy{}.Fields(ev)
	if f["regarding.kind"] != "Pod" || f["regarding.name"] != "p" || f["reportingController"] != "ctl" || f["type"] != "Warning" {
		t.Errorf("fields = %v", f)
	}
	for v1Name := range EventV1FieldLabels {
		if _, ok := f[v1Name]; !ok && v1Name != "metadata.name" && v1Name != "metadata.namespace" {
			t.Errorf("missing %s", v1Name)
		}
	}
}
