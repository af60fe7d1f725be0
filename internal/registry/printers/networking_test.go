package printers

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func rules(hosts ...string) []networkingv1.IngressRule {
	out := make([]networkingv1.IngressRule, len(hosts))
	for i, h := range hosts {
		out[i] = networkingv1.IngressRule{Host: h}
	}
	return out
}

func TestIngressCells(t *testing.T) {
	ing := func(name string, spec networkingv1.IngressSpec, lb ...networkingv1.IngressLoadBalancerIngress) *networkingv1.Ingress {
		return &networkingv1.Ingress{ObjectMeta: meta5m(name), Spec: spec,
			Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{Ingress: lb}}}
	}
	checkCells(t, "networking.k8s.io", "ingresses", []cellCase{
		{"tls", ing("web", networkingv1.IngressSpec{IngressClassName: ptr("nginx"), Rules: rules("a.example.com", "b.example.com"),
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"a.example.com"}}}},
			networkingv1.IngressLoadBalancerIngress{Hostname: "lb.example.com"}, networkingv1.IngressLoadBalancerIngress{IP: "203.0.113.5"}),
			[]interface{}{"web", "nginx", "a.example.com,b.example.com", "203.0.113.5,lb.example.com", "80, 443", "5m"}},
		{"catch-all", ing("all", networkingv1.IngressSpec{Rules: rules("")}), []interface{}{"all", "<none>", "*", "", "80", "5m"}},
		{"more hosts", ing("many", networkingv1.IngressSpec{Rules: rules("", "a", "b", "c", "", "d")}),
			[]interface{}{"many", "<none>", "a,b,c + 3 more...", "", "80", "5m"}},
		{"three exactly", ing("three", networkingv1.IngressSpec{Rules: rules("a", "b", "c")}),
			[]interface{}{"three", "<none>", "a,b,c", "", "80", "5m"}},
	})
}

func TestIngressClassCells(t *testing.T) {
	ic := &networkingv1.IngressClass{ObjectMeta: meta5m("nginx"), Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx",
		Parameters: &networkingv1.IngressClassParametersReference{APIGroup: ptr("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb"}}}
	core := &networkingv1.IngressClass{ObjectMeta: meta5m("c"), Spec: networkingv1.IngressClassSpec{Controller: "x",
		Parameters: &networkingv1.IngressClassParametersReference{Kind: "ConfigMap", Name: "cfg"}}}
	checkCells(t, "networking.k8s.io", "ingressclasses", []cellCase{
		{"parameters", ic, []interface{}{"nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "5m"}},
		{"core parameters", core, []interface{}{"c", "x", "ConfigMap/cfg", "5m"}},
		{"none", &networkingv1.IngressClass{ObjectMeta: meta5m("n")}, []interface{}{"n", "", "<none>", "5m"}},
	})
}

func TestNetworkPolicyCells(t *testing.T) {
	checkCells(t, "networking.k8s.io", "networkpolicies", []cellCase{
		{"selector", &networkingv1.NetworkPolicy{ObjectMeta: meta5m("np"), Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"role": "db"}}}}, []interface{}{"np", "role=db", "5m"}},
		{"all pods", &networkingv1.NetworkPolicy{ObjectMeta: meta5m("deny")}, []interface{}{"deny", "<none>", "5m"}},
	})
}

func TestServiceCIDRAndIPAddressCells(t *testing.T) {
	checkCells(t, "networking.k8s.io", "servicecidrs", []cellCase{
		{"dual stack", &networkingv1.ServiceCIDR{ObjectMeta: meta5m("kubernetes"),
			Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"10.96.0.0/16", "fd00::/108"}}},
			[]interface{}{"kubernetes", "10.96.0.0/16,fd00::/108", "5m"}},
	})
	checkCells(t, "networking.k8s.io", "ipaddresses", []cellCase{
		{"service", &networkingv1.IPAddress{ObjectMeta: meta5m("10.96.0.1"), Spec: networkingv1.IPAddressSpec{
			ParentRef: &networkingv1.ParentReference{Resource: "services", Namespace: "default", Name: "kubernetes"}}},
			[]interface{}{"10.96.0.1", "services/default/kubernetes"}},
		{"grouped", &networkingv1.IPAddress{ObjectMeta: meta5m("10.0.0.1"), Spec: networkingv1.IPAddressSpec{
			ParentRef: &networkingv1.ParentReference{Group: "Gateway.networking.k8s.io", Resource: "Gateways", Name: "gw"}}},
			[]interface{}{"10.0.0.1", "gateways.gateway.networking.k8s.io/gw"}},
	})
}
