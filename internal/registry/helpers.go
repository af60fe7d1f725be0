package registry

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Small helpers shared by the strategies: pointers, sorted map keys and the
// validation phrases upstream repeats in many places.

// ptrTo returns a pointer to a copy of v.
func ptrTo[T any](v T) *T { return &v }

// setIfNil points *p at def when it is nil.
func setIfNil[T any](p **T, def T) {
	if *p == nil {
		*p = &def
	}
}

// setIfEmpty sets *p to def when it is the zero value.
func setIfEmpty[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// sortedKeys returns the keys of m in order, so errors come out stably.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

const (
	msgNegative   = "must be greater than or equal to 0"
	msgImmutable  = "field is immutable"
	msgNotMatched = "`selector` does not match template `labels`"
)

// nonNegative reports a negative value at p.
func nonNegative(v int64, p *field.Path) field.ErrorList {
	if v < 0 {
		return field.ErrorList{field.Invalid(p, v, msgNegative)}
	}
	return nil
}

// nonNegativePtr is nonNegative for an optional value.
func nonNegativePtr[T ~int32 | ~int64](v *T, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return nonNegative(int64(*v), p)
}

// immutable reports a change of a field that may not change.
func immutable(newVal, oldVal any, p *field.Path) field.ErrorList {
	if equality.Semantic.DeepEqual(newVal, oldVal) {
		return nil
	}
	return field.ErrorList{field.Invalid(p, newVal, msgImmutable)}
}

// msgsInvalid turns the messages of a validation.IsXxx check into errors.
func msgsInvalid(p *field.Path, value any, msgs []string) field.ErrorList {
	var errs field.ErrorList
	for _, m := range msgs {
		errs = append(errs, field.Invalid(p, value, m))
	}
	return errs
}

// dns1123Label checks a DNS-1123 label value.
func dns1123Label(v string, p *field.Path) field.ErrorList {
	return msgsInvalid(p, v, validation.IsDNS1123Label(v))
}

// dns1123Subdomain checks a DNS-1123 subdomain value.
func dns1123Subdomain(v string, p *field.Path) field.ErrorList {
	return msgsInvalid(p, v, validation.IsDNS1123Subdomain(v))
}

// qualifiedName checks a label-key-like name.
func qualifiedName(v string, p *field.Path) field.ErrorList {
	return msgsInvalid(p, v, validation.IsQualifiedName(v))
}

// nameFn checks a reference to an object by one of the ValidateName rules.
func nameFn(fn func(string, bool) []string, v string, p *field.Path) field.ErrorList {
	return msgsInvalid(p, v, fn(v, false))
}

// portNumOrName checks an int-or-string port (probes, service targetPort).
func portNumOrName(port intstr.IntOrString, p *field.Path) field.ErrorList {
	switch port.Type {
	case intstr.Int:
		return msgsInvalid(p, port.IntValue(), validation.IsValidPortNum(port.IntValue()))
	case intstr.String:
		return msgsInvalid(p, port.StrVal, validation.IsValidPortName(port.StrVal))
	}
	return field.ErrorList{field.InternalError(p, fmt.Errorf("unknown type: %v", port.Type))}
}

// labelSelector validates a metav1 label selector strictly.
func labelSelector(s *metav1.LabelSelector, p *field.Path) field.ErrorList {
	return metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, p)
}

// selectorMatchesTemplate checks the rule every workload shares: the
// selector must select the pods its template makes.
func selectorMatchesTemplate(s *metav1.LabelSelector, tmplLabels map[string]string, p *field.Path) field.ErrorList {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil || sel.Empty() || sel.Matches(labels.Set(tmplLabels)) {
		return nil
	}
	return field.ErrorList{field.Invalid(p, tmplLabels, msgNotMatched)}
}

// requiredSelector checks a workload's selector is present, valid and not empty.
func requiredSelector(s *metav1.LabelSelector, kind string, p *field.Path) field.ErrorList {
	if s == nil {
		return field.ErrorList{field.Required(p, "")}
	}
	errs := labelSelector(s, p)
	if len(s.MatchLabels)+len(s.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(p, s, "empty selector is invalid for "+kind))
	}
	return errs
}

// mapsEqual compares two maps treating nil and empty alike.
func mapsEqual[K comparable, V any](a, b map[K]V) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return equality.Semantic.DeepEqual(a, b)
}
