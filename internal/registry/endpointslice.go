package registry

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The EndpointSlice strategy, as upstream's ValidateEndpointSlice.

const (
	maxSliceEndpoints = 1000
	maxSliceAddresses = 100
	maxSlicePorts     = 20000
	maxSliceTopology  = 16
)

var addressTypes = []discoveryv1.AddressType{discoveryv1.AddressTypeFQDN, discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}

// Default names unnamed ports "" and makes them TCP.
func (endpointSliceStrategy) Default(obj runtime.Object) {
	ports := obj.(*discoveryv1.EndpointSlice).Ports
	for i := range ports {
		port := &ports[i]
		setIfNil(&port.Name, "")
		setIfNil(&port.Protocol, corev1.ProtocolTCP)
	}
}

func (endpointSliceStrategy) PrepareForCreate(obj runtime.Object) { setGeneration(obj, 1) }

// PrepareForUpdate moves the generation on any change but metadata.
func (endpointSliceStrategy) PrepareForUpdate(obj, old runtime.Object) {
	a, b := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	changed := a.AddressType != b.AddressType || !equality.Semantic.DeepEqual(a.Endpoints, b.Endpoints) ||
		!equality.Semantic.DeepEqual(a.Ports, b.Ports)
	bumpGenerationIf(obj, old, changed)
}

func (endpointSliceStrategy) Validate(obj runtime.Object) field.ErrorList {
	s := obj.(*discoveryv1.EndpointSlice)
	errs := validateOneOf(field.NewPath("addressType"), s.AddressType, addressTypes...)
	errs = append(errs, validateSliceEndpoints(s.Endpoints, s.AddressType, field.NewPath("endpoints"))...)
	return append(errs, validateSlicePorts(s.Ports, field.NewPath("ports"))...)
}

func (s endpointSliceStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	a, b := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	return append(s.Validate(obj), immutable(a.AddressType, b.AddressType, field.NewPath("addressType"))...)
}

func validateSliceEndpoints(eps []discoveryv1.Endpoint, at discoveryv1.AddressType, p *field.Path) field.ErrorList {
	if len(eps) > maxSliceEndpoints {
		return field.ErrorList{field.TooMany(p, len(eps), maxSliceEndpoints)}
	}
	var errs field.ErrorList
	for i, ep := range eps {
		ip := p.Index(i)
		ap := ip.Child("addresses")
		if len(ep.Addresses) == 0 {
			errs = append(errs, field.Required(ap, "must contain at least 1 address"))
		} else if len(ep.Addresses) > maxSliceAddresses {
			errs = append(errs, field.TooMany(ap, len(ep.Addresses), maxSliceAddresses))
		}
		for j, a := range ep.Addresses {
			errs = append(errs, validateSliceAddress(a, at, ap.Index(j))...)
		}
		if ep.NodeName != nil {
			errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, *ep.NodeName, ip.Child("nodeName"))...)
		}
		tp := ip.Child("deprecatedTopology")
		if len(ep.DeprecatedTopology) > maxSliceTopology {
			errs = append(errs, field.TooMany(tp, len(ep.DeprecatedTopology), maxSliceTopology))
		}
		errs = append(errs, metav1validation.ValidateLabels(ep.DeprecatedTopology, tp)...)
		if ep.Hostname != nil {
			errs = append(errs, dns1123Label(*ep.Hostname, ip.Child("hostname"))...)
		}
	}
	return errs
}

func validateSliceAddress(a string, at discoveryv1.AddressType, p *field.Path) field.ErrorList {
	switch at {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
		errs := validation.IsValidIPForLegacyField(p, a, false, nil)
		if len(errs) > 0 {
			return errs
		}
		if (at == discoveryv1.AddressTypeIPv6) != isIPv6(a) {
			return field.ErrorList{field.Invalid(p, a, "must be a valid "+string(at)+" address")}
		}
		return endpointIP(a, p)
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(p, a)
	}
	return nil
}

func validateSlicePorts(ports []discoveryv1.EndpointPort, p *field.Path) field.ErrorList {
	if len(ports) > maxSlicePorts {
		return field.ErrorList{field.TooMany(p, len(ports), maxSlicePorts)}
	}
	var errs field.ErrorList
	names := sets.New[string]()
	for i, port := range ports {
		pp := p.Index(i)
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if name != "" {
			errs = append(errs, dns1123Label(name, pp.Child("name"))...)
		}
		if names.Has(name) {
			errs = append(errs, field.Duplicate(pp.Child("name"), name))
		}
		names.Insert(name)
		if port.Protocol == nil {
			errs = append(errs, field.Required(pp.Child("protocol"), ""))
		} else {
			errs = append(errs, validateOneOf(pp.Child("protocol"), *port.Protocol, supportedPortProtocols...)...)
		}
		if port.AppProtocol != nil {
			errs = append(errs, qualifiedName(*port.AppProtocol, pp.Child("appProtocol"))...)
		}
	}
	return errs
}
