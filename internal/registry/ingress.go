package registry

import (
	"fmt"
	"net"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Ingress and IngressClass strategies, as upstream's ValidateIngressCreate
// and ValidateIngressClass. Ingress paths need an explicit pathType.

const ingressClassAnnotation = "kubernetes.io/ingress.class"

var pathTypes = []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypeImplementationSpecific, networkingv1.PathTypePrefix}

func (ingressStrategy) Validate(obj runtime.Object) field.ErrorList {
	ing := obj.(*networkingv1.Ingress)
	errs := validateIngressSpec(&ing.Spec, field.NewPath("spec"))
	if v, ok := ing.Annotations[ingressClassAnnotation]; ok && ing.Spec.IngressClassName != nil && v != *ing.Spec.IngressClassName {
		errs = append(errs, field.Invalid(field.NewPath("annotations").Child(ingressClassAnnotation), v, "must match `ingressClassName` when both are specified"))
	}
	return errs
}

func (ingressStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return validateIngressSpec(&obj.(*networkingv1.Ingress).Spec, field.NewPath("spec"))
}

func validateIngressSpec(spec *networkingv1.IngressSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		errs = append(errs, field.Invalid(p, spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		errs = append(errs, validateIngressBackend(spec.DefaultBackend, p.Child("defaultBackend"))...)
	}
	for i, r := range spec.Rules {
		errs = append(errs, validateIngressRule(r, p.Child("rules").Index(i))...)
	}
	for i, tls := range spec.TLS {
		errs = append(errs, validateIngressTLS(tls, p.Child("tls").Index(i))...)
	}
	if spec.IngressClassName != nil {
		errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, *spec.IngressClassName, p.Child("ingressClassName"))...)
	}
	return errs
}

// validateHost: a DNS name (a leading "*." is allowed), never an IP.
func validateHost(host string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if net.ParseIP(host) != nil {
		errs = append(errs, field.Invalid(p, host, "must be a DNS name, not an IP address"))
	}
	if strings.Contains(host, "*") {
		return append(errs, msgsInvalid(p, host, validation.IsWildcardDNS1123Subdomain(host))...)
	}
	return append(errs, dns1123Subdomain(host, p)...)
}

func validateIngressRule(r networkingv1.IngressRule, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if r.Host != "" {
		errs = append(errs, validateHost(r.Host, p.Child("host"))...)
	}
	if r.HTTP == nil {
		return errs
	}
	hp := p.Child("http")
	if len(r.HTTP.Paths) == 0 {
		errs = append(errs, field.Required(hp.Child("paths"), ""))
	}
	for i := range r.HTTP.Paths {
		errs = append(errs, validateIngressPath(&r.HTTP.Paths[i], hp.Child("paths").Index(i))...)
	}
	return errs
}

func validateIngressPath(ip *networkingv1.HTTPIngressPath, p *field.Path) field.ErrorList {
	if ip.PathType == nil {
		return field.ErrorList{field.Required(p.Child("pathType"), "pathType must be specified")}
	}
	var errs field.ErrorList
	pp := p.Child("path")
	switch *ip.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		if !strings.HasPrefix(ip.Path, "/") {
			errs = append(errs, field.Invalid(pp, ip.Path, "must be an absolute path"))
		}
		errs = append(errs, cleanIngressPath(ip.Path, pp)...)
	case networkingv1.PathTypeImplementationSpecific:
		if ip.Path != "" && !strings.HasPrefix(ip.Path, "/") {
			errs = append(errs, field.Invalid(pp, ip.Path, "must be an absolute path"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("pathType"), *ip.PathType, pathTypes))
	}
	return append(errs, validateIngressBackend(&ip.Backend, p.Child("backend"))...)
}

// cleanIngressPath refuses sequences that would let a path escape.
func cleanIngressPath(s string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, seq := range []string{"//", "/./", "/../", "%2f", "%2F"} {
		if strings.Contains(s, seq) {
			errs = append(errs, field.Invalid(p, s, fmt.Sprintf("must not contain '%s'", seq)))
		}
	}
	for _, suf := range []string{"/..", "/."} {
		if strings.HasSuffix(s, suf) {
			errs = append(errs, field.Invalid(p, s, fmt.Sprintf("cannot end with '%s'", suf)))
		}
	}
	return errs
}

func validateIngressBackend(b *networkingv1.IngressBackend, p *field.Path) field.ErrorList {
	switch {
	case b.Resource != nil && b.Service != nil:
		return field.ErrorList{field.Invalid(p, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return validateTypedRef(b.Resource.APIGroup, b.Resource.Kind, b.Resource.Name, p.Child("resource"))
	case b.Service != nil:
		return validateServiceBackend(b.Service, p)
	}
	return field.ErrorList{field.Invalid(p, "", "resource or service backend is required")}
}

func validateServiceBackend(s *networkingv1.IngressServiceBackend, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	np := p.Child("service", "name")
	if s.Name == "" {
		errs = append(errs, field.Required(np, ""))
	} else {
		errs = append(errs, nameFn(metavalidation.NameIsDNS1035Label, s.Name, np)...)
	}
	hasName, hasNumber := s.Port.Name != "", s.Port.Number != 0
	switch {
	case hasName && hasNumber:
		errs = append(errs, field.Invalid(p, "", "cannot set both port name & port number"))
	case hasName:
		errs = append(errs, msgsInvalid(p.Child("service", "port", "name"), s.Port.Name, validation.IsValidPortName(s.Port.Name))...)
	case hasNumber:
		errs = append(errs, msgsInvalid(p.Child("service", "port", "number"), s.Port.Number, validation.IsValidPortNum(int(s.Port.Number)))...)
	default:
		errs = append(errs, field.Required(p, "port name or number is required"))
	}
	return errs
}

// validateTypedRef checks a reference to an object of any kind.
func validateTypedRef(group *string, kind, name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if group != nil {
		errs = append(errs, dns1123Subdomain(*group, p.Child("apiGroup"))...)
	}
	if kind == "" {
		errs = append(errs, field.Required(p.Child("kind"), "kind is required"))
	} else {
		errs = append(errs, msgsInvalid(p.Child("kind"), kind, path.IsValidPathSegmentName(kind))...)
	}
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), "name is required"))
	} else {
		errs = append(errs, msgsInvalid(p.Child("name"), name, path.IsValidPathSegmentName(name))...)
	}
	return errs
}

func validateIngressTLS(tls networkingv1.IngressTLS, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, h := range tls.Hosts {
		hp := p.Child("hosts").Index(i)
		if strings.Contains(h, "*") {
			errs = append(errs, msgsInvalid(hp, h, validation.IsWildcardDNS1123Subdomain(h))...)
		} else {
			errs = append(errs, dns1123Subdomain(h, hp)...)
		}
	}
	if tls.SecretName != "" {
		errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, tls.SecretName, p.Child("secretName"))...)
	}
	return errs
}

// ingressClassStrategy (resources.go must use it in place of Base{}).
type ingressClassStrategy struct{ Base }

// Default scopes class parameters to the cluster unless told otherwise.
func (ingressClassStrategy) Default(obj runtime.Object) {
	if ps := obj.(*networkingv1.IngressClass).Spec.Parameters; ps != nil {
		setIfNil(&ps.Scope, networkingv1.IngressClassParametersReferenceScopeCluster)
	}
}

func (ingressClassStrategy) PrepareForCreate(obj runtime.Object) { setGeneration(obj, 1) }

func (ingressClassStrategy) PrepareForUpdate(obj, old runtime.Object) {
	a, b := obj.(*networkingv1.IngressClass), old.(*networkingv1.IngressClass)
	bumpGenerationIf(obj, old, !equality.Semantic.DeepEqual(a.Spec, b.Spec))
}

const maxIngressClassController = 250

func (ingressClassStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*networkingv1.IngressClass).Spec
	p := field.NewPath("spec")
	var errs field.ErrorList
	if len(spec.Controller) > maxIngressClassController {
		errs = append(errs, field.TooLong(p.Child("controller"), spec.Controller, maxIngressClassController))
	}
	errs = append(errs, validation.IsDomainPrefixedPath(p.Child("controller"), spec.Controller)...)
	if ps := spec.Parameters; ps != nil {
		errs = append(errs, validateClassParameters(ps, p.Child("parameters"))...)
	}
	return errs
}

func validateClassParameters(ps *networkingv1.IngressClassParametersReference, p *field.Path) field.ErrorList {
	errs := validateTypedRef(ps.APIGroup, ps.Kind, ps.Name, p)
	if ps.Scope == nil {
		return append(errs, field.Required(p.Child("scope"), ""))
	}
	switch *ps.Scope {
	case networkingv1.IngressClassParametersReferenceScopeCluster:
		if ps.Namespace != nil {
			errs = append(errs, field.Forbidden(p.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
		}
	case networkingv1.IngressClassParametersReferenceScopeNamespace:
		if ps.Namespace == nil {
			errs = append(errs, field.Required(p.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
		} else {
			errs = append(errs, dns1123Label(*ps.Namespace, p.Child("namespace"))...)
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("scope"), *ps.Scope, []string{networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace}))
	}
	return errs
}

func (s ingressClassStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	a, b := obj.(*networkingv1.IngressClass), old.(*networkingv1.IngressClass)
	return append(immutable(a.Spec.Controller, b.Spec.Controller, field.NewPath("spec", "controller")), s.Validate(obj)...)
}
