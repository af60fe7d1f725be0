package registry

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func ingress(host, path string, pt *networkingv1.PathType, backend networkingv1.IngressBackend) *networkingv1.Ingress {
	return &networkingv1.Ingress{ObjectMeta: objMeta("ing"), Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
		Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: pt, Backend: backend}}}}}}}}
}

func svcBackend(name string, port int32) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: port}}}
}

func TestIngressValidation(t *testing.T) {
	prefix, exact := ptrTo(networkingv1.PathTypePrefix), ptrTo(networkingv1.PathTypeExact)
	cases := []struct {
		name string
		ing  *networkingv1.Ingress
		want []wantErr
	}{
		{"valid", ingress("example.com", "/", prefix, svcBackend("web", 80)), nil},
		{"wildcard host", ingress("*.example.com", "/a", exact, svcBackend("web", 80)), nil},
		{"bad host", ingress("Bad_Host", "/", prefix, svcBackend("web", 80)), []wantErr{invalid + "spec.rules[0].host"}},
		{"ip host", ingress("10.0.0.1", "/", prefix, svcBackend("web", 80)), []wantErr{invalid + "spec.rules[0].host"}},
		{"no pathType", ingress("", "/", nil, svcBackend("web", 80)), []wantErr{required + "spec.rules[0].http.paths[0].pathType"}},
		{"relative path", ingress("", "api", prefix, svcBackend("web", 80)), []wantErr{invalid + "spec.rules[0].http.paths[0].path"}},
		{"bad pathType", ingress("", "/", ptrTo(networkingv1.PathType("Regex")), svcBackend("web", 80)),
			[]wantErr{notSupported + "spec.rules[0].http.paths[0].pathType"}},
		{"no port", ingress("", "/", prefix, svcBackend("web", 0)), []wantErr{required + "spec.rules[0].http.paths[0].backend"}},
		{"no backend", ingress("", "/", prefix, networkingv1.IngressBackend{}), []wantErr{invalid + "spec.rules[0].http.paths[0].backend"}},
		{"resource backend", ingress("", "/", prefix, networkingv1.IngressBackend{Resource: &corev1.TypedLocalObjectReference{Kind: "Bucket"}}),
			[]wantErr{required + "spec.rules[0].http.paths[0].backend.resource.name"}},
		{"nothing", &networkingv1.Ingress{ObjectMeta: objMeta("ing")}, []wantErr{invalid + "spec"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkErrs(t, create(ingressStrategy{}, c.ing), c.want...) })
	}
}

func TestIngressClass(t *testing.T) {
	ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{
		Controller: "example.com/ingress", Parameters: &networkingv1.IngressClassParametersReference{Kind: "Params", Name: "p"}}}
	must(t, create(ingressClassStrategy{}, ic))
	if *ic.Spec.Parameters.Scope != networkingv1.IngressClassParametersReferenceScopeCluster || ic.Generation != 1 {
		t.Errorf("ingress class = %+v", ic)
	}
	next := ic.DeepCopy()
	next.Spec.Controller = "example.com/other"
	checkErrs(t, update(ingressClassStrategy{}, next, ic), invalid+"spec.controller")
	checkErrs(t, create(ingressClassStrategy{}, &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{Controller: "nodomain"}}),
		invalid+"spec.controller")
}

func TestNetworkPolicy(t *testing.T) {
	np := &networkingv1.NetworkPolicy{ObjectMeta: objMeta("np"), Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: ptrTo(intstr.FromInt32(80))}}}},
		Egress:  []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}}}},
	}}
	must(t, create(networkPolicyStrategy{}, np))
	if len(np.Spec.PolicyTypes) != 2 || *np.Spec.Ingress[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("spec = %+v", np.Spec)
	}
	ingressOnly := &networkingv1.NetworkPolicy{ObjectMeta: objMeta("np")}
	networkPolicyStrategy{}.Default(ingressOnly)
	if len(ingressOnly.Spec.PolicyTypes) != 1 || ingressOnly.Spec.PolicyTypes[0] != networkingv1.PolicyTypeIngress {
		t.Errorf("policyTypes = %v", ingressOnly.Spec.PolicyTypes)
	}
	bad := &networkingv1.NetworkPolicy{ObjectMeta: objMeta("np"), Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{
			Ports: []networkingv1.NetworkPolicyPort{{Port: ptrTo(intstr.FromInt32(90)), EndPort: ptrTo[int32](80)}},
			From:  []networkingv1.NetworkPolicyPeer{{}, {IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"10.0.0.0/8"}}, PodSelector: &metav1.LabelSelector{}}},
		}},
		PolicyTypes: []networkingv1.PolicyType{"Sideways"},
	}}
	checkErrs(t, create(networkPolicyStrategy{}, bad),
		invalid+"spec.ingress[0].ports[0].endPort", required+"spec.ingress[0].from[0]",
		forbidden+"spec.ingress[0].from[1]", invalid+"spec.ingress[0].from[1].ipBlock.except[0]",
		notSupported+"spec.policyTypes[0]")
}

func TestEndpointSlice(t *testing.T) {
	es := &discoveryv1.EndpointSlice{ObjectMeta: objMeta("web-abc"), AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1"}}},
		Ports:     []discoveryv1.EndpointPort{{Port: ptrTo[int32](80)}}}
	must(t, create(endpointSliceStrategy{}, es))
	if *es.Ports[0].Protocol != corev1.ProtocolTCP || es.Ports[0].Name == nil {
		t.Errorf("ports = %+v", es.Ports)
	}
	bad := &discoveryv1.EndpointSlice{ObjectMeta: objMeta("x"), AddressType: "IPv5",
		Endpoints: []discoveryv1.Endpoint{{}}}
	checkErrs(t, create(endpointSliceStrategy{}, bad), notSupported+"addressType", required+"endpoints[0].addresses")
	wrongFamily := es.DeepCopy()
	wrongFamily.Endpoints[0].Addresses = []string{"fd00::1"}
	checkErrs(t, create(endpointSliceStrategy{}, wrongFamily), invalid+"endpoints[0].addresses[0]")
	next := es.DeepCopy()
	next.AddressType = discoveryv1.AddressTypeFQDN
	next.Endpoints[0].Addresses = []string{"a.example.com"}
	checkErrs(t, update(endpointSliceStrategy{}, next, es), invalid+"addressType")
}
