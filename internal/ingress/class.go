package ingress

import (
	networkingv1 "k8s.io/api/networking/v1"
)

// ControllerName is the IngressClass controller the built-in ingress
// implements (the API server creates the default class "orca" with it).
const ControllerName = "orca.dev/ingress"

// classAnnotation is the deprecated class annotation, still honoured by
// ingress controllers when spec.ingressClassName is not set.
const classAnnotation = "kubernetes.io/ingress.class"

// Classes are the IngressClasses of ControllerName, and whether one of
// them is a default class (so Ingresses without a class are ours too).
type Classes struct {
	names      map[string]bool
	hasDefault bool
}

// OurClasses picks the classes this controller serves from all classes.
func OurClasses(all []*networkingv1.IngressClass) Classes {
	c := Classes{names: map[string]bool{}}
	for _, ic := range all {
		if ic.Spec.Controller != ControllerName {
			continue
		}
		c.names[ic.Name] = true
		if ic.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
			c.hasDefault = true
		}
	}
	return c
}

// Serves says whether an Ingress is ours: its spec.ingressClassName (else
// its kubernetes.io/ingress.class annotation) names one of our classes,
// or it has no class and one of ours is the default (ingress-nginx's
// --watch-ingress-without-class, which the default class implies). The
// API server's DefaultIngressClass admission fills the class of new
// Ingresses; older ones may still have none.
func (c Classes) Serves(ing *networkingv1.Ingress) bool {
	if ing.Spec.IngressClassName != nil {
		return c.names[*ing.Spec.IngressClassName]
	}
	if name, ok := ing.Annotations[classAnnotation]; ok {
		return c.names[name]
	}
	return c.hasDefault
}
