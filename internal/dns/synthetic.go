package dns

import (
	"fmt"
	"net"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SyntheticIndex is an index of n Services for benchmarks: in 10
// namespaces, every tenth headless with endpointsPer ready endpoints
// (hostnames e-<i>), the others ClusterIP with as many endpoints; each
// Service has a named port http/TCP. It returns the cluster names to
// query: each Service's FQDN.
func SyntheticIndex(domain string, n, endpointsPer int) (*Index, []string) {
	ix := NewIndex(domain, nil)
	var names []string
	ready := true
	portName, proto, portNum := "http", v1.ProtocolTCP, int32(8080)
	for i := range n {
		ns := fmt.Sprintf("ns-%d", i%10)
		ix.SetNamespace(ns, true)
		name := fmt.Sprintf("svc-%d", i)
		svc := &v1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: v1.ServiceSpec{
				ClusterIP: ipAt(net.IPv4(10, 96, 0, 0), i+100).String(),
				Ports:     []v1.ServicePort{{Name: "http", Protocol: v1.ProtocolTCP, Port: 80}},
			},
		}
		if i%10 == 0 {
			svc.Spec.ClusterIP = v1.ClusterIPNone
		}
		svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
		ix.SetService(svc)
		sl := &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name + "-1", Labels: map[string]string{discoveryv1.LabelServiceName: name}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: &portName, Protocol: &proto, Port: &portNum}},
		}
		for j := range endpointsPer {
			host := fmt.Sprintf("e-%d", j)
			sl.Endpoints = append(sl.Endpoints, discoveryv1.Endpoint{
				Addresses:  []string{ipAt(net.IPv4(10, 244, 0, 0), i*endpointsPer+j+2).String()},
				Hostname:   &host,
				Conditions: discoveryv1.EndpointConditions{Ready: &ready},
			})
		}
		ix.SetSlice(sl)
		names = append(names, name+"."+ns+".svc."+ix.zone)
	}
	return ix, names
}

// ipAt is base + off (IPv4).
func ipAt(base net.IP, off int) net.IP {
	b := base.To4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) + uint32(off)
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
