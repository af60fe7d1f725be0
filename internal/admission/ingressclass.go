package admission

import (
	"context"
	"sort"

	networkingv1 "k8s.io/api/networking/v1"
)

// IngressClasses lists the IngressClasses (from the server's cache).
type IngressClasses func(ctx context.Context) ([]networkingv1.IngressClass, error)

// DefaultIngressClass gives a new Ingress without spec.ingressClassName
// the default IngressClass's name, as upstream's plugin of that name: an
// Ingress with the deprecated kubernetes.io/ingress.class annotation is
// left alone, and with several default classes the newest wins.
type DefaultIngressClass struct{ List IngressClasses }

func (DefaultIngressClass) Name() string { return "DefaultIngressClass" }

func (p DefaultIngressClass) Admit(ctx context.Context, a *Attributes) error {
	ing, ok := a.Object.(*networkingv1.Ingress)
	if !ok || a.Operation != Create || a.Resource.Resource != "ingresses" || a.Subresource != "" {
		return nil
	}
	if ing.Spec.IngressClassName != nil {
		return nil
	}
	if _, ok := ing.Annotations["kubernetes.io/ingress.class"]; ok {
		return nil
	}
	classes, err := p.List(ctx)
	if err != nil {
		return err
	}
	if name := defaultClass(classes); name != "" {
		ing.Spec.IngressClassName = &name
	}
	return nil
}

// defaultClass is the name of the newest class annotated as the default
// (by creation time, then name), "" when none is.
func defaultClass(classes []networkingv1.IngressClass) string {
	var defaults []networkingv1.IngressClass
	for _, c := range classes {
		if c.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
			defaults = append(defaults, c)
		}
	}
	if len(defaults) == 0 {
		return ""
	}
	sort.Slice(defaults, func(i, j int) bool {
		a, b := defaults[i].CreationTimestamp, defaults[j].CreationTimestamp
		if !a.Equal(&b) {
			return b.Before(&a)
		}
		return defaults[i].Name < defaults[j].Name
	})
	return defaults[0].Name
}
