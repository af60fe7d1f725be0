package proxy

import (
	"context"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/knftables"
)

var testParams = Params{NodeName: "node-a", ServiceCIDR: "10.96.0.0/12", ClusterCIDR: "10.244.0.0/16"}

// svc is a ClusterIP Service with one TCP port 80 → target "http".
func svc(ns, name, ip string, mods ...func(*v1.Service)) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.ServiceSpec{
			Type:      v1.ServiceTypeClusterIP,
			ClusterIP: ip,
			Ports:     []v1.ServicePort{{Name: "http", Protocol: v1.ProtocolTCP, Port: 80}},
		},
	}
	for _, m := range mods {
		m(s)
	}
	return s
}

func nodePort(np int32) func(*v1.Service) {
	return func(s *v1.Service) {
		s.Spec.Type = v1.ServiceTypeNodePort
		s.Spec.Ports[0].NodePort = np
	}
}

func loadBalancer(np int32, ips ...string) func(*v1.Service) {
	return func(s *v1.Service) {
		s.Spec.Type = v1.ServiceTypeLoadBalancer
		s.Spec.Ports[0].NodePort = np
		for _, ip := range ips {
			s.Status.LoadBalancer.Ingress = append(s.Status.LoadBalancer.Ingress, v1.LoadBalancerIngress{IP: ip})
		}
	}
}

func udp(s *v1.Service) {
	s.Spec.Ports[0].Protocol = v1.ProtocolUDP
	s.Spec.Ports[0].Name = "dns"
	s.Spec.Ports[0].Port = 53
}

func internalLocal(s *v1.Service) {
	s.Spec.InternalTrafficPolicy = ptr.To(v1.ServiceInternalTrafficPolicyLocal)
}

func externalLocal(s *v1.Service) {
	s.Spec.ExternalTrafficPolicy = v1.ServiceExternalTrafficPolicyLocal
}

func affinity(seconds int32) func(*v1.Service) {
	return func(s *v1.Service) {
		s.Spec.SessionAffinity = v1.ServiceAffinityClientIP
		s.Spec.SessionAffinityConfig = &v1.SessionAffinityConfig{ClientIP: &v1.ClientIPConfig{TimeoutSeconds: ptr.To(seconds)}}
	}
}

// ep is an endpoint: "ip@node" ready; suffix "!" not ready, "~" serving
// and terminating, "-" terminating and not serving.
type ep string

// slice is an EndpointSlice of s's Service for its first port, target
// port tp.
func slice(s *v1.Service, name string, tp int32, eps ...ep) *discovery.EndpointSlice {
	sl := &discovery.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: name,
			Labels: map[string]string{discovery.LabelServiceName: s.Name}},
		AddressType: discovery.AddressTypeIPv4,
		Ports: []discovery.EndpointPort{{Name: ptr.To(s.Spec.Ports[0].Name),
			Protocol: ptr.To(s.Spec.Ports[0].Protocol), Port: ptr.To(tp)}},
	}
	for _, e := range eps {
		str := string(e)
		ready, serving, terminating := true, true, false
		switch {
		case strings.HasSuffix(str, "!"):
			ready, serving = false, false
		case strings.HasSuffix(str, "~"):
			ready, terminating = false, true
		case strings.HasSuffix(str, "-"):
			ready, serving, terminating = false, false, true
		}
		str = strings.TrimRight(str, "!~-")
		ip, node, _ := strings.Cut(str, "@")
		sl.Endpoints = append(sl.Endpoints, discovery.Endpoint{
			Addresses: []string{ip}, NodeName: ptr.To(node),
			Conditions: discovery.EndpointConditions{Ready: ptr.To(ready), Serving: ptr.To(serving), Terminating: ptr.To(terminating)},
		})
	}
	return sl
}

// stateOf builds the rules of the Services in src.
func stateOf(src *staticSource) state {
	st := state{}
	for _, k := range src.serviceKeys() {
		s, sl := src.service(k)
		if r := serviceRulesFor(testParams, s, sl); r != nil {
			st[k] = r
		}
	}
	return st
}

// fullDump writes st into a new fake table and dumps it.
func fullDump(t *testing.T, st state) string {
	t.Helper()
	fake := knftables.NewFake(knftables.IPv4Family, tableName)
	tx := fake.NewTransaction()
	writeFull(tx, testParams, st, nil, nil)
	if err := fake.Run(context.Background(), tx); err != nil {
		t.Fatalf("full transaction: %v\n%s", err, tx)
	}
	return fake.Dump()
}

// serviceLines drops the lines of the table with no Services, leaving what
// the Services add, in the dump's order.
func serviceLines(t *testing.T, dump string) string {
	t.Helper()
	base := map[string]bool{}
	for _, l := range strings.Split(fullDump(t, state{}), "\n") {
		base[l] = true
	}
	var out []string
	for _, l := range strings.Split(dump, "\n") {
		if !base[l] {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
