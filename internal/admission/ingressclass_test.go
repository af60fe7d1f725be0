package admission

import (
	"context"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestDefaultIngressClass(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	class := func(name string, age int, isDefault bool) networkingv1.IngressClass {
		c := networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(time.Duration(age) * time.Second))}}
		if isDefault {
			c.Annotations = map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}
		}
		return c
	}
	str := func(s string) *string { return &s }
	cases := []struct {
		name       string
		classes    []networkingv1.IngressClass
		class      *string
		annotation string
		op         Operation
		want       string // the class after admission, "" for none
	}{
		{"gets the default", []networkingv1.IngressClass{class("orca", 0, true), class("other", 1, false)}, nil, "", Create, "orca"},
		{"keeps its class", []networkingv1.IngressClass{class("orca", 0, true)}, str("other"), "", Create, "other"},
		{"annotation left alone", []networkingv1.IngressClass{class("orca", 0, true)}, nil, "nginx", Create, ""},
		{"no default class", []networkingv1.IngressClass{class("orca", 0, false)}, nil, "", Create, ""},
		{"newest default wins", []networkingv1.IngressClass{class("old", 0, true), class("new", 5, true)}, nil, "", Create, "new"},
		{"updates untouched", []networkingv1.IngressClass{class("orca", 0, true)}, nil, "", Update, ""},
	}
	for _, tc := range cases {
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "i", Namespace: "ns"}, Spec: networkingv1.IngressSpec{IngressClassName: tc.class}}
		if tc.annotation != "" {
			ing.Annotations = map[string]string{"kubernetes.io/ingress.class": tc.annotation}
		}
		p := DefaultIngressClass{List: func(context.Context) ([]networkingv1.IngressClass, error) { return tc.classes, nil }}
		a := &Attributes{Operation: tc.op, Resource: schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}, Object: ing}
		if err := p.Admit(context.Background(), a); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := ""
		if ing.Spec.IngressClassName != nil {
			got = *ing.Spec.IngressClassName
		}
		if got != tc.want {
			t.Errorf("%s: class %q, want %q", tc.name, got, tc.want)
		}
	}
}
