package registry

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ResourceQuota and LimitRange strategies (resources.go must use them in
// place of Base{}).

type resourceQuotaStrategy struct{ Base }
type limitRangeStrategy struct{ Base }

var quotaScopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeCrossNamespacePodAffinity,
	corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopePriorityClass,
	corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeVolumeAttributesClass}

func (resourceQuotaStrategy) Default(obj runtime.Object) {
	roundResources(obj.(*corev1.ResourceQuota).Spec.Hard)
}

func (resourceQuotaStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*corev1.ResourceQuota).Spec
	p := field.NewPath("spec")
	var errs field.ErrorList
	for _, k := range sortedKeys(spec.Hard) {
		kp := p.Child("hard").Key(string(k))
		errs = append(errs, qualifiedName(string(k), kp)...)
		if q := spec.Hard[k]; q.Sign() < 0 {
			errs = append(errs, field.Invalid(kp, q.String(), msgNegative))
		}
	}
	scopes := sets.New(quotaScopes...)
	for _, s := range spec.Scopes {
		if !scopes.Has(s) {
			errs = append(errs, field.Invalid(p.Child("scopes"), spec.Scopes, "unsupported scope"))
		}
	}
	if spec.ScopeSelector != nil {
		for i, r := range spec.ScopeSelector.MatchExpressions {
			if !scopes.Has(r.ScopeName) {
				errs = append(errs, field.Invalid(p.Child("scopeSelector", "matchExpressions").Index(i).Child("scopeName"), r.ScopeName, "unsupported scope"))
			}
		}
	}
	return errs
}

func (s resourceQuotaStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

// Default fills container defaults as upstream: default limits from max,
// default requests from default limits, then from min.
func (limitRangeStrategy) Default(obj runtime.Object) {
	limits := obj.(*corev1.LimitRange).Spec.Limits
	for i := range limits {
		it := &limits[i]
		for _, rl := range []corev1.ResourceList{it.Max, it.Min, it.Default, it.DefaultRequest, it.MaxLimitRequestRatio} {
			roundResources(rl)
		}
		if it.Type != corev1.LimitTypeContainer {
			continue
		}
		if it.Default == nil {
			it.Default = corev1.ResourceList{}
		}
		if it.DefaultRequest == nil {
			it.DefaultRequest = corev1.ResourceList{}
		}
		fillMissing(it.Default, it.Max)
		fillMissing(it.DefaultRequest, it.Default)
		fillMissing(it.DefaultRequest, it.Min)
	}
}

func fillMissing(dst, src corev1.ResourceList) {
	for k, q := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = q.DeepCopy()
		}
	}
}

var limitTypes = []corev1.LimitType{corev1.LimitTypeContainer, corev1.LimitTypePersistentVolumeClaim, corev1.LimitTypePod}

func (limitRangeStrategy) Validate(obj runtime.Object) field.ErrorList {
	var errs field.ErrorList
	limits := obj.(*corev1.LimitRange).Spec.Limits
	for i := range limits {
		it := &limits[i]
		ip := field.NewPath("spec", "limits").Index(i)
		errs = append(errs, validateOneOf(ip.Child("type"), it.Type, limitTypes...)...)
		if it.Type == corev1.LimitTypePod && len(it.Default) > 0 {
			errs = append(errs, field.Forbidden(ip.Child("default"), "may not be specified when `type` is 'Pod'"))
		}
		if it.Type == corev1.LimitTypePod && len(it.DefaultRequest) > 0 {
			errs = append(errs, field.Forbidden(ip.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
		}
		errs = append(errs, validateLimitOrder(it, ip)...)
	}
	return errs
}

// validateLimitOrder: min <= defaultRequest <= default <= max per resource.
func validateLimitOrder(it *corev1.LimitRangeItem, p *field.Path) field.ErrorList {
	keys := sets.New[corev1.ResourceName]()
	for _, rl := range []corev1.ResourceList{it.Max, it.Min, it.Default, it.DefaultRequest} {
		for k := range rl {
			keys.Insert(k)
		}
	}
	var errs field.ErrorList
	for _, k := range sets.List(keys) {
		ks := string(k)
		gt := func(a, b corev1.ResourceList, at *field.Path, val resource.Quantity, msg string) {
			x, ok1 := a[k]
			y, ok2 := b[k]
			if ok1 && ok2 && x.Cmp(y) > 0 {
				errs = append(errs, field.Invalid(at.Key(ks), val.String(), fmt.Sprintf(msg, x.String(), y.String())))
			}
		}
		gt(it.Min, it.Max, p.Child("min"), it.Min[k], "min value %s is greater than max value %s")
		gt(it.Min, it.DefaultRequest, p.Child("defaultRequest"), it.DefaultRequest[k], "min value %s is greater than default request value %s")
		gt(it.DefaultRequest, it.Max, p.Child("defaultRequest"), it.DefaultRequest[k], "default request value %s is greater than max value %s")
		gt(it.DefaultRequest, it.Default, p.Child("defaultRequest"), it.DefaultRequest[k], "default request value %s is greater than default limit value %s")
		gt(it.Min, it.Default, p.Child("default"), it.Min[k], "min value %s is greater than default value %s")
		gt(it.Default, it.Max, p.Child("default"), it.Max[k], "default value %s is greater than max value %s")
	}
	return errs
}

func (s limitRangeStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}
