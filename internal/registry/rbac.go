package registry

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategies of rbac.authorization.k8s.io/v1 (resources.go must use them
// in place of Base{}): rules need verbs and, for resources, API groups and
// resources; bindings point at a Role or ClusterRole, never another one.

type roleStrategy struct{ Base }
type clusterRoleStrategy struct{ Base }
type roleBindingStrategy struct{ Base }
type clusterRoleBindingStrategy struct{ Base }

func validatePolicyRules(rules []rbacv1.PolicyRule, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	for i, r := range rules {
		errs = append(errs, validatePolicyRule(r, namespaced, field.NewPath("rules").Index(i))...)
	}
	return errs
}

func validatePolicyRule(r rbacv1.PolicyRule, namespaced bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(r.Verbs) == 0 {
		errs = append(errs, field.Required(p.Child("verbs"), "verbs must contain at least one value"))
	}
	if len(r.NonResourceURLs) > 0 {
		if namespaced {
			errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), r.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
		}
		if len(r.APIGroups) > 0 || len(r.Resources) > 0 || len(r.ResourceNames) > 0 {
			errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), r.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
		}
		return errs
	}
	if len(r.APIGroups) == 0 {
		errs = append(errs, field.Required(p.Child("apiGroups"), "resource rules must supply at least one api group"))
	}
	if len(r.Resources) == 0 {
		errs = append(errs, field.Required(p.Child("resources"), "resource rules must supply at least one resource"))
	}
	return errs
}

func (roleStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validatePolicyRules(obj.(*rbacv1.Role).Rules, true)
}

func (s roleStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList { return s.Validate(obj) }

func (clusterRoleStrategy) Validate(obj runtime.Object) field.ErrorList {
	cr := obj.(*rbacv1.ClusterRole)
	errs := validatePolicyRules(cr.Rules, false)
	if ar := cr.AggregationRule; ar != nil {
		p := field.NewPath("aggregationRule", "clusterRoleSelectors")
		if len(ar.ClusterRoleSelectors) == 0 {
			errs = append(errs, field.Required(p, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
		}
		for i := range ar.ClusterRoleSelectors {
			errs = append(errs, labelSelector(&ar.ClusterRoleSelectors[i], p.Index(i))...)
		}
	}
	return errs
}

func (s clusterRoleStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

// defaultSubjects gives users and groups the RBAC API group.
func defaultSubjects(ref *rbacv1.RoleRef, subjects []rbacv1.Subject) {
	setIfEmpty(&ref.APIGroup, rbacv1.GroupName)
	for i := range subjects {
		if s := &subjects[i]; s.APIGroup == "" && (s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind) {
			s.APIGroup = rbacv1.GroupName
		}
	}
}

func validateBinding(ref rbacv1.RoleRef, subjects []rbacv1.Subject, kinds []string, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	if ref.APIGroup != rbacv1.GroupName {
		errs = append(errs, field.NotSupported(field.NewPath("roleRef", "apiGroup"), ref.APIGroup, []string{rbacv1.GroupName}))
	}
	if ref.Kind != kinds[0] && (len(kinds) == 1 || ref.Kind != kinds[1]) {
		errs = append(errs, field.NotSupported(field.NewPath("roleRef", "kind"), ref.Kind, kinds))
	}
	np := field.NewPath("roleRef", "name")
	if ref.Name == "" {
		errs = append(errs, field.Required(np, ""))
	} else {
		errs = append(errs, nameFn(pathSegment, ref.Name, np)...)
	}
	for i, s := range subjects {
		errs = append(errs, validateSubject(s, namespaced, field.NewPath("subjects").Index(i))...)
	}
	return errs
}

func validateSubject(s rbacv1.Subject, namespaced bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		if s.Name != "" {
			errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, s.Name, p.Child("name"))...)
		}
		if s.APIGroup != "" {
			errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{""}))
		}
		if !namespaced && s.Namespace == "" {
			errs = append(errs, field.Required(p.Child("namespace"), ""))
		}
	case rbacv1.UserKind, rbacv1.GroupKind:
		if s.APIGroup != rbacv1.GroupName {
			errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{rbacv1.GroupName}))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("kind"), s.Kind, []string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}))
	}
	return errs
}

// roleRefFixed: a binding's roleRef never changes.
func roleRefFixed(ref, old rbacv1.RoleRef) field.ErrorList {
	if ref != old {
		return field.ErrorList{field.Invalid(field.NewPath("roleRef"), ref, "cannot change roleRef")}
	}
	return nil
}

func (roleBindingStrategy) Default(obj runtime.Object) {
	rb := obj.(*rbacv1.RoleBinding)
	defaultSubjects(&rb.RoleRef, rb.Subjects)
}

func (roleBindingStrategy) Validate(obj runtime.Object) field.ErrorList {
	rb := obj.(*rbacv1.RoleBinding)
	return validateBinding(rb.RoleRef, rb.Subjects, []string{"Role", "ClusterRole"}, true)
}

func (s roleBindingStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return append(s.Validate(obj), roleRefFixed(obj.(*rbacv1.RoleBinding).RoleRef, old.(*rbacv1.RoleBinding).RoleRef)...)
}

func (clusterRoleBindingStrategy) Default(obj runtime.Object) {
	rb := obj.(*rbacv1.ClusterRoleBinding)
	defaultSubjects(&rb.RoleRef, rb.Subjects)
}

func (clusterRoleBindingStrategy) Validate(obj runtime.Object) field.ErrorList {
	rb := obj.(*rbacv1.ClusterRoleBinding)
	return validateBinding(rb.RoleRef, rb.Subjects, []string{"ClusterRole"}, false)
}

func (s clusterRoleBindingStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return append(s.Validate(obj), roleRefFixed(obj.(*rbacv1.ClusterRoleBinding).RoleRef, old.(*rbacv1.ClusterRoleBinding).RoleRef)...)
}
