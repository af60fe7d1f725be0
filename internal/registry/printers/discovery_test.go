package printers

import (
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
)

func TestEndpointSliceCells(t *testing.T) {
	es := &discoveryv1.EndpointSlice{ObjectMeta: meta5m("web-abc"), AddressType: discoveryv1.AddressTypeIPv4,
		Ports:     []discoveryv1.EndpointPort{{Port: ptr(int32(80))}, {Name: ptr("metrics")}, {}, {Port: ptr(int32(443))}},
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1", "10.0.0.2"}}, {Addresses: []string{"10.0.0.3"}}}}
	checkCells(t, "discovery.k8s.io", "endpointslices", []cellCase{
		{"ports and endpoints", es, []interface{}{"web-abc", "IPv4", "80,metrics,* + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3", "5m"}},
		{"empty", &discoveryv1.EndpointSlice{ObjectMeta: meta5m("e"), AddressType: discoveryv1.AddressTypeFQDN,
			Endpoints: []discoveryv1.Endpoint{{}, {}, {}, {}}}, []interface{}{"e", "FQDN", "<unset>", "<unset>", "5m"}},
	})
}
