package registry

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The autoscaling/v2 HorizontalPodAutoscaler strategy (v1 HPAs are stored
// as v2 and go through it too).

const (
	defaultCPUUtilization = 80
	maxStabilization      = 3600
	maxPolicyPeriod       = 1800
)

// Default also drops the v1 round-trip annotations, which only the v1
// view of an HPA may carry.
func (hpaStrategy) Default(obj runtime.Object) {
	hpa := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	dropAnnotations(&hpa.Annotations, hpaRoundTripAnnotations)
	spec := &hpa.Spec
	setIfNil(&spec.MinReplicas, 1)
	if len(spec.Metrics) == 0 {
		spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilizationMetric(defaultCPUUtilization)}
	}
	if b := spec.Behavior; b != nil {
		b.ScaleUp = mergeScalingRules(b.ScaleUp, defaultScaleUp())
		b.ScaleDown = mergeScalingRules(b.ScaleDown, defaultScaleDown())
	}
}

func cpuUtilizationMetric(percent int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name:   corev1.ResourceCPU,
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptrTo(percent)},
	}}
}

// defaultScaleUp: no stabilization, the larger of 4 pods or 100% per 15s.
func defaultScaleUp() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptrTo[int32](0),
		SelectPolicy:               ptrTo(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// defaultScaleDown: the controller's stabilization window, 100% per 15s.
func defaultScaleDown() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		SelectPolicy: ptrTo(autoscalingv2.MaxChangePolicySelect),
		Policies:     []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}},
	}
}

// mergeScalingRules fills what from leaves unset with def's values.
func mergeScalingRules(from, def *autoscalingv2.HPAScalingRules) *autoscalingv2.HPAScalingRules {
	if from == nil {
		return def
	}
	if from.SelectPolicy != nil {
		def.SelectPolicy = from.SelectPolicy
	}
	if from.StabilizationWindowSeconds != nil {
		def.StabilizationWindowSeconds = from.StabilizationWindowSeconds
	}
	if from.Policies != nil {
		def.Policies = from.Policies
	}
	def.Tolerance = from.Tolerance
	return def
}

func (hpaStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*autoscalingv2.HorizontalPodAutoscaler).Spec
	p := field.NewPath("spec")
	var errs field.ErrorList
	if spec.MinReplicas != nil && *spec.MinReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), *spec.MinReplicas, "must be greater than or equal to 1"))
	}
	if spec.MaxReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than 0"))
	}
	if spec.MinReplicas != nil && spec.MaxReplicas < *spec.MinReplicas {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	if e := validateScaleTargetRef(spec.ScaleTargetRef.Kind, spec.ScaleTargetRef.Name, p.Child("scaleTargetRef")); len(e) > 0 {
		return append(errs, e...)
	}
	if e := validateMetrics(spec.Metrics, p.Child("metrics")); len(e) > 0 {
		return append(errs, e...)
	}
	return append(errs, validateBehavior(spec.Behavior, p.Child("behavior"))...)
}

func (s hpaStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList { return s.Validate(obj) }

func validateScaleTargetRef(kind, name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if kind == "" {
		errs = append(errs, field.Required(p.Child("kind"), ""))
	} else {
		errs = append(errs, msgsInvalid(p.Child("kind"), kind, path.IsValidPathSegmentName(kind))...)
	}
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else {
		errs = append(errs, msgsInvalid(p.Child("name"), name, path.IsValidPathSegmentName(name))...)
	}
	return errs
}

var metricSourceTypes = []autoscalingv2.MetricSourceType{autoscalingv2.ContainerResourceMetricSourceType,
	autoscalingv2.ExternalMetricSourceType, autoscalingv2.ObjectMetricSourceType,
	autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType}

func validateMetrics(ms []autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range ms {
		errs = append(errs, validateMetricSpec(&ms[i], p.Index(i))...)
	}
	return errs
}

// validateMetricSpec: a known type whose source, and only that source, is set.
func validateMetricSpec(m *autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if m.Type == "" {
		errs = append(errs, field.Required(p.Child("type"), "must specify a metric source type"))
	}
	present := sets.New[string]()
	expected := ""
	check := func(name string, set bool, typ autoscalingv2.MetricSourceType, detail func() field.ErrorList) {
		if set {
			present.Insert(name)
			errs = append(errs, detail()...)
		}
		if m.Type == typ {
			expected = name
			if !set {
				errs = append(errs, field.Required(p.Child(name), "must populate information for the given metric source"))
			}
		}
	}
	check("object", m.Object != nil, autoscalingv2.ObjectMetricSourceType, func() field.ErrorList {
		return validateObjectMetric(m.Object, p.Child("object"))
	})
	check("pods", m.Pods != nil, autoscalingv2.PodsMetricSourceType, func() field.ErrorList {
		return validatePodsMetric(m.Pods, p.Child("pods"))
	})
	check("resource", m.Resource != nil, autoscalingv2.ResourceMetricSourceType, func() field.ErrorList {
		return validateResourceMetric(m.Resource.Name, m.Resource.Target, p.Child("resource"))
	})
	check("containerResource", m.ContainerResource != nil, autoscalingv2.ContainerResourceMetricSourceType, func() field.ErrorList {
		return validateContainerResourceMetric(m.ContainerResource, p.Child("containerResource"))
	})
	check("external", m.External != nil, autoscalingv2.ExternalMetricSourceType, func() field.ErrorList {
		return validateExternalMetric(m.External, p.Child("external"))
	})
	if m.Type != "" && expected == "" {
		errs = append(errs, field.NotSupported(p.Child("type"), m.Type, metricSourceTypes))
	}
	present.Delete(expected)
	for _, name := range sets.List(present) {
		errs = append(errs, field.Forbidden(p.Child(name), "must populate the given metric source only"))
	}
	return errs
}

func validateObjectMetric(o *autoscalingv2.ObjectMetricSource, p *field.Path) field.ErrorList {
	errs := validateScaleTargetRef(o.DescribedObject.Kind, o.DescribedObject.Name, p.Child("describedObject"))
	errs = append(errs, validateMetricIdentifier(o.Metric, p.Child("metric"))...)
	errs = append(errs, validateMetricTarget(o.Target, p.Child("target"))...)
	if o.Target.Value == nil && o.Target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target").Child("averageValue"), "must set either a target value or averageValue"))
	}
	return errs
}

func validatePodsMetric(m *autoscalingv2.PodsMetricSource, p *field.Path) field.ErrorList {
	errs := validateMetricIdentifier(m.Metric, p.Child("metric"))
	errs = append(errs, validateMetricTarget(m.Target, p.Child("target"))...)
	if m.Target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target").Child("averageValue"), "must specify a positive target averageValue"))
	}
	return errs
}

func validateResourceMetric(name corev1.ResourceName, t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must specify a resource name"))
	} else {
		errs = append(errs, validateContainerResourceName(name, p.Child("name"))...)
	}
	errs = append(errs, validateMetricTarget(t, p.Child("target"))...)
	if t.AverageUtilization == nil && t.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target").Child("averageUtilization"), "must set either a target raw value or a target utilization"))
	}
	if t.AverageUtilization != nil && t.AverageValue != nil {
		errs = append(errs, field.Forbidden(p.Child("target").Child("averageValue"), "may not set both a target raw value and a target utilization"))
	}
	return errs
}

func validateContainerResourceMetric(m *autoscalingv2.ContainerResourceMetricSource, p *field.Path) field.ErrorList {
	errs := validateResourceMetric(m.Name, m.Target, p)
	if m.Container == "" {
		errs = append(errs, field.Required(p.Child("container"), "must specify a container"))
	} else {
		errs = append(errs, dns1123Label(m.Container, p.Child("container"))...)
	}
	return errs
}

func validateExternalMetric(m *autoscalingv2.ExternalMetricSource, p *field.Path) field.ErrorList {
	errs := validateMetricIdentifier(m.Metric, p.Child("metric"))
	errs = append(errs, validateMetricTarget(m.Target, p.Child("target"))...)
	if m.Target.Value == nil && m.Target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target").Child("averageValue"), "must set either a target value for metric or a per-pod target"))
	}
	if m.Target.Value != nil && m.Target.AverageValue != nil {
		errs = append(errs, field.Forbidden(p.Child("target").Child("value"), "may not set both a target value for metric and a per-pod target"))
	}
	return errs
}

func validateMetricIdentifier(id autoscalingv2.MetricIdentifier, p *field.Path) field.ErrorList {
	if id.Name == "" {
		return field.ErrorList{field.Required(p.Child("name"), "must specify a metric name")}
	}
	errs := msgsInvalid(p.Child("name"), id.Name, path.IsValidPathSegmentName(id.Name))
	if id.Selector != nil {
		errs = append(errs, labelSelector(id.Selector, p.Child("selector"))...)
	}
	return errs
}

func validateMetricTarget(t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Type == "" {
		errs = append(errs, field.Required(p.Child("type"), "must specify a metric target type"))
	}
	if t.Type != autoscalingv2.UtilizationMetricType && t.Type != autoscalingv2.ValueMetricType && t.Type != autoscalingv2.AverageValueMetricType {
		errs = append(errs, field.Invalid(p.Child("type"), t.Type, "must be either Utilization, Value, or AverageValue"))
	}
	if t.Value != nil && t.Value.Sign() != 1 {
		errs = append(errs, field.Invalid(p.Child("value"), t.Value, "must be positive"))
	}
	if t.AverageValue != nil && t.AverageValue.Sign() != 1 {
		errs = append(errs, field.Invalid(p.Child("averageValue"), t.AverageValue, "must be positive"))
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(p.Child("averageUtilization"), *t.AverageUtilization, "must be greater than 0"))
	}
	return errs
}

func validateBehavior(b *autoscalingv2.HorizontalPodAutoscalerBehavior, p *field.Path) field.ErrorList {
	if b == nil {
		return nil
	}
	errs := validateScalingRules(b.ScaleUp, p.Child("scaleUp"))
	return append(errs, validateScalingRules(b.ScaleDown, p.Child("scaleDown"))...)
}

var selectPolicies = []autoscalingv2.ScalingPolicySelect{autoscalingv2.DisabledPolicySelect, autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect}

func validateScalingRules(r *autoscalingv2.HPAScalingRules, p *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil && *w < 0 {
		errs = append(errs, field.Invalid(p.Child("stabilizationWindowSeconds"), *w, "must be greater than or equal to zero"))
	} else if w != nil && *w > maxStabilization {
		errs = append(errs, field.Invalid(p.Child("stabilizationWindowSeconds"), *w, fmt.Sprintf("must be less than or equal to %v", maxStabilization)))
	}
	if r.SelectPolicy != nil {
		errs = append(errs, validateOneOf(p.Child("selectPolicy"), *r.SelectPolicy, selectPolicies...)...)
	}
	if len(r.Policies) == 0 {
		errs = append(errs, field.Required(p.Child("policies"), "must specify at least one Policy"))
	}
	for i, pol := range r.Policies {
		errs = append(errs, validateScalingPolicy(pol, p.Child("policies").Index(i))...)
	}
	if r.Tolerance != nil && r.Tolerance.Sign() < 0 {
		errs = append(errs, field.Invalid(p.Child("tolerance"), r.Tolerance.String(), "must be greater than or equal to zero"))
	}
	return errs
}

func validateScalingPolicy(pol autoscalingv2.HPAScalingPolicy, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if pol.Type != autoscalingv2.PodsScalingPolicy && pol.Type != autoscalingv2.PercentScalingPolicy {
		errs = append(errs, field.NotSupported(p.Child("type"), pol.Type, []autoscalingv2.HPAScalingPolicyType{autoscalingv2.PercentScalingPolicy, autoscalingv2.PodsScalingPolicy}))
	}
	if pol.Value <= 0 {
		errs = append(errs, field.Invalid(p.Child("value"), pol.Value, "must be greater than zero"))
	}
	if pol.PeriodSeconds <= 0 {
		errs = append(errs, field.Invalid(p.Child("periodSeconds"), pol.PeriodSeconds, "must be greater than zero"))
	} else if pol.PeriodSeconds > maxPolicyPeriod {
		errs = append(errs, field.Invalid(p.Child("periodSeconds"), pol.PeriodSeconds, fmt.Sprintf("must be less than or equal to %v", maxPolicyPeriod)))
	}
	return errs
}
