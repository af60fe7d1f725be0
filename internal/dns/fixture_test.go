package dns

import (
	"net"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Builders for the tests' cluster state.

func clusterIPService(ns, name string, ips []string, ports ...v1.ServicePort) *v1.Service {
	return &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1.ServiceSpec{Type: v1.ServiceTypeClusterIP, ClusterIP: ips[0], ClusterIPs: ips, Ports: ports},
	}
}

func headlessService(ns, name string, ports ...v1.ServicePort) *v1.Service {
	return clusterIPService(ns, name, []string{v1.ClusterIPNone}, ports...)
}

func externalService(ns, name, target string, ports ...v1.ServicePort) *v1.Service {
	return &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1.ServiceSpec{Type: v1.ServiceTypeExternalName, ExternalName: target, Ports: ports},
	}
}

func svcPort(name string, proto v1.Protocol, port int32) v1.ServicePort {
	return v1.ServicePort{Name: name, Protocol: proto, Port: port}
}

type ep struct {
	ip       string
	hostname string
	ready    *bool
}

var (
	yes = ptr(true)
	no  = ptr(false)
)

func ptr[T any](v T) *T { return &v }

func slice(ns, name, svc string, eps []ep, ports ...discoveryv1.EndpointPort) *discoveryv1.EndpointSlice {
	sl := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       ports,
	}
	for _, e := range eps {
		if net.ParseIP(e.ip).To4() == nil {
			sl.AddressType = discoveryv1.AddressTypeIPv6
		}
		end := discoveryv1.Endpoint{Addresses: []string{e.ip}, Conditions: discoveryv1.EndpointConditions{Ready: e.ready}}
		if e.hostname != "" {
			end.Hostname = ptr(e.hostname)
		}
		sl.Endpoints = append(sl.Endpoints, end)
	}
	return sl
}

func slicePort(name string, proto v1.Protocol, port int32) discoveryv1.EndpointPort {
	return discoveryv1.EndpointPort{Name: ptr(name), Protocol: ptr(proto), Port: ptr(port)}
}

// testIndex is a small cluster covering each kind of Service.
func testIndex() *Index {
	ix := NewIndex("cluster.local", []net.IP{net.ParseIP("10.96.0.10")})
	for _, ns := range []string{"default", "ns1", "empty"} {
		ix.SetNamespace(ns, true)
	}
	ix.SetService(clusterIPService("default", "kubernetes", []string{"10.96.0.1"}, svcPort("https", v1.ProtocolTCP, 443)))
	ix.SetService(clusterIPService("ns1", "web", []string{"10.96.0.20"},
		svcPort("http", v1.ProtocolTCP, 80), svcPort("metrics", v1.ProtocolTCP, 9090), svcPort("", v1.ProtocolUDP, 5000)))
	ix.SetSlice(slice("ns1", "web-abc", "web", []ep{{ip: "10.244.0.5", ready: yes}, {ip: "10.244.0.6", ready: no}},
		slicePort("http", v1.ProtocolTCP, 8080)))
	ix.SetService(headlessService("ns1", "db", svcPort("mysql", v1.ProtocolTCP, 3306)))
	ix.SetSlice(slice("ns1", "db-1", "db", []ep{
		{ip: "10.244.0.7", hostname: "db-0", ready: yes},
		{ip: "10.244.0.8", hostname: "db-1"}, // ready unset counts as ready
		{ip: "10.244.0.9", hostname: "db-2", ready: no},
	}, slicePort("mysql", v1.ProtocolTCP, 3306)))
	ix.SetService(headlessService("ns1", "plain", svcPort("", v1.ProtocolTCP, 8080)))
	ix.SetSlice(slice("ns1", "plain-1", "plain", []ep{{ip: "10.244.1.2", ready: yes}, {ip: "10.244.1.3", ready: yes}},
		slicePort("", v1.ProtocolTCP, 8080)))
	pnr := headlessService("ns1", "pnr")
	pnr.Spec.PublishNotReadyAddresses = true
	ix.SetService(pnr)
	ix.SetSlice(slice("ns1", "pnr-1", "pnr", []ep{{ip: "10.244.2.1", ready: no}}))
	ix.SetService(headlessService("ns1", "nobody", svcPort("http", v1.ProtocolTCP, 80)))
	ix.SetService(externalService("ns1", "ext", "Example.COM", svcPort("http", v1.ProtocolTCP, 80)))
	ix.SetService(externalService("ns1", "alias", "web.ns1.svc.cluster.local"))
	ix.SetService(externalService("ns1", "loop", "loop.ns1.svc.cluster.local"))
	ix.SetService(clusterIPService("ns1", "dual", []string{"10.96.0.30", "fd00::30"}, svcPort("http", v1.ProtocolTCP, 80)))
	return ix
}
