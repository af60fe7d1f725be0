package printers

import (
	"fmt"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
)

func networkingPrinters() map[string]Printer {
	return map[string]Printer{
		"ingresses":       {Columns: ingressColumns, Cells: typed(ingressCells)},
		"ingressclasses":  {Columns: ingressClassColumns, Cells: typed(ingressClassCells)},
		"networkpolicies": {Columns: networkPolicyColumns, Cells: typed(networkPolicyCells)},
		"servicecidrs":    {Columns: serviceCIDRColumns, Cells: typed(serviceCIDRCells)},
		"ipaddresses":     {Columns: ipAddressColumns, Cells: typed(ipAddressCells)},
	}
}

var ingressColumns = columns(nameColumn(),
	column("Class", "string", "Ingress class that handles the ingress."),
	column("Hosts", "string", "Hosts the rules match."),
	column("Address", "string", "Addresses of the load balancer."),
	column("Ports", "string", "Ports the ingress serves."),
	ageColumn())

func ingressCells(in *networkingv1.Ingress, now time.Time) []interface{} {
	class := "<none>"
	if in.Spec.IngressClassName != nil {
		class = *in.Spec.IngressClassName
	}
	ports := "80"
	if len(in.Spec.TLS) != 0 {
		ports = "80, 443"
	}
	return []interface{}{in.Name, class, ingressHosts(in.Spec.Rules), ingressAddress(in.Status.LoadBalancer), ports, age(in.CreationTimestamp, now)}
}

// ingressHosts shows the first three hosts the rules name, "*" when none does;
// as upstream, the "more" count is of rules, not hosts.
func ingressHosts(rules []networkingv1.IngressRule) string {
	var hosts []string
	for _, r := range rules {
		if len(hosts) == 3 {
			return fmt.Sprintf("%s + %d more...", strings.Join(hosts, ","), len(rules)-3)
		}
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 {
		return "*"
	}
	return strings.Join(hosts, ",")
}

func ingressAddress(lb networkingv1.IngressLoadBalancerStatus) string {
	s := sets.New[string]()
	for _, in := range lb.Ingress {
		if in.IP != "" {
			s.Insert(in.IP)
		} else if in.Hostname != "" {
			s.Insert(in.Hostname)
		}
	}
	return strings.Join(sets.List(s), ",")
}

var ingressClassColumns = columns(nameColumn(),
	column("Controller", "string", "Controller that implements the class."),
	column("Parameters", "string", "Resource holding the class's parameters."),
	ageColumn())

func ingressClassCells(ic *networkingv1.IngressClass, now time.Time) []interface{} {
	params := "<none>"
	if p := ic.Spec.Parameters; p != nil {
		params = p.Kind
		if p.APIGroup != nil {
			params += "." + *p.APIGroup
		}
		params += "/" + p.Name
	}
	return []interface{}{ic.Name, ic.Spec.Controller, params, age(ic.CreationTimestamp, now)}
}

var networkPolicyColumns = columns(nameColumn(),
	column("Pod-Selector", "string", "Pods the policy applies to."),
	ageColumn())

func networkPolicyCells(np *networkingv1.NetworkPolicy, now time.Time) []interface{} {
	return []interface{}{np.Name, selectorString(&np.Spec.PodSelector), age(np.CreationTimestamp, now)}
}

var serviceCIDRColumns = columns(nameColumn(),
	column("CIDRs", "string", "IP ranges service addresses are taken from."),
	ageColumn())

func serviceCIDRCells(sc *networkingv1.ServiceCIDR, now time.Time) []interface{} {
	return []interface{}{sc.Name, strings.Join(sc.Spec.CIDRs, ","), age(sc.CreationTimestamp, now)}
}

var ipAddressColumns = columns(nameColumn(),
	column("ParentRef", "string", "Object the address is allocated to."))

func ipAddressCells(ip *networkingv1.IPAddress, now time.Time) []interface{} {
	parent := "<none>"
	if ref := ip.Spec.ParentRef; ref != nil {
		parent = strings.ToLower(schema.GroupResource{Group: ref.Group, Resource: ref.Resource}.String())
		if ref.Namespace != "" {
			parent += "/" + ref.Namespace
		}
		parent += "/" + ref.Name
	}
	return []interface{}{ip.Name, parent}
}
