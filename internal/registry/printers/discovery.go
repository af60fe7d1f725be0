package printers

import (
	"strconv"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
)

func discoveryPrinters() map[string]Printer {
	return map[string]Printer{
		"endpointslices": {Columns: endpointSliceColumns, Cells: typed(endpointSliceCells)},
	}
}

var endpointSliceColumns = columns(nameColumn(),
	column("AddressType", "string", "Type of the addresses in the slice."),
	column("Ports", "string", "Ports of the slice."),
	column("Endpoints", "string", "Addresses of the slice's endpoints."),
	ageColumn())

func endpointSliceCells(es *discoveryv1.EndpointSlice, now time.Time) []interface{} {
	return []interface{}{
		es.Name, string(es.AddressType), slicePorts(es.Ports), sliceEndpoints(es.Endpoints), age(es.CreationTimestamp, now),
	}
}

// slicePorts lists port numbers, or names, or "*" for all ports.
func slicePorts(ports []discoveryv1.EndpointPort) string {
	list := make([]string, 0, len(ports))
	for _, p := range ports {
		switch {
		case p.Port != nil:
			list = append(list, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			list = append(list, *p.Name)
		default:
			list = append(list, "*")
		}
	}
	return orUnsetString(listWithMore(list, 3))
}

func sliceEndpoints(endpoints []discoveryv1.Endpoint) string {
	var list []string
	for _, e := range endpoints {
		list = append(list, e.Addresses...)
	}
	return orUnsetString(listWithMore(list, 3))
}

func orUnsetString(s string) string {
	if s == "" {
		return "<unset>"
	}
	return s
}
