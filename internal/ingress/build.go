package ingress

import (
	"crypto/tls"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Objects is what building a Table reads besides the Ingresses: Services,
// their EndpointSlices (label kubernetes.io/service-name) and parsed TLS
// Secrets, by namespace and name. Missing objects are nil.
type Objects interface {
	Service(namespace, name string) *corev1.Service
	EndpointSlices(namespace, service string) []*discoveryv1.EndpointSlice
	Certificate(namespace, secret string) *tls.Certificate
}

// Build makes the routing Table of the Ingresses our classes serve.
// Ingresses are merged oldest first (creation time, then namespace/name):
// when two name the same host and path with the same path type, or TLS
// for the same host, the oldest wins, as in ingress-nginx.
func Build(ingresses []*networkingv1.Ingress, classes Classes, objs Objects) *Table {
	t := &Table{
		hosts: map[string]*routes{}, wildcards: map[string]*routes{},
		any:   routes{exact: map[string]*Backend{}, prefix: map[string]*Backend{}},
		certs: certs{exact: map[string]*tls.Certificate{}, wildcard: map[string]*tls.Certificate{}},
	}
	b := builder{t: t, objs: objs, backends: map[string]*Backend{}}
	for _, ing := range oldestFirst(ingresses) {
		if !classes.Serves(ing) {
			continue
		}
		t.Ingresses++
		b.add(ing)
	}
	return t
}

// builder shares one Backend between the rules naming the same Service
// port, so its round-robin spans all of them.
type builder struct {
	t        *Table
	objs     Objects
	backends map[string]*Backend
}

func (b *builder) add(ing *networkingv1.Ingress) {
	var def *Backend
	if ing.Spec.DefaultBackend != nil {
		def = b.backend(ing.Namespace, ing.Spec.DefaultBackend)
	}
	for _, rule := range ing.Spec.Rules {
		r := b.routesFor(rule.Host)
		if rule.HTTP != nil {
			for _, p := range rule.HTTP.Paths {
				b.addPath(r, ing.Namespace, p)
			}
		}
		if def != nil && r.fallback == nil && rule.Host != "" {
			r.fallback = def
		}
	}
	if def != nil && b.t.any.fallback == nil {
		b.t.any.fallback = def
	}
	for _, t := range ing.Spec.TLS {
		b.addTLS(ing.Namespace, t)
	}
}

// addPath adds one path of a rule unless an older Ingress has it.
// ImplementationSpecific is matched as Prefix.
func (b *builder) addPath(r *routes, namespace string, p networkingv1.HTTPIngressPath) {
	be := b.backend(namespace, &p.Backend)
	if be == nil {
		return
	}
	path := p.Path
	if path == "" {
		path = "/"
	}
	m, key := r.prefix, prefixKey(path)
	if p.PathType != nil && *p.PathType == networkingv1.PathTypeExact {
		m, key = r.exact, path
	}
	if _, taken := m[key]; !taken {
		m[key] = be
	}
}

func (b *builder) routesFor(host string) *routes {
	if host == "" {
		return &b.t.any
	}
	key, wild := ruleHost(host)
	m := b.t.hosts
	if wild {
		m = b.t.wildcards
	}
	r, ok := m[key]
	if !ok {
		r = &routes{exact: map[string]*Backend{}, prefix: map[string]*Backend{}}
		m[key] = r
	}
	return r
}

// backend resolves an Ingress backend. Resource backends (a custom
// resource instead of a Service) are not supported: nil, the path is
// not routed.
func (b *builder) backend(namespace string, ib *networkingv1.IngressBackend) *Backend {
	if ib.Service == nil {
		return nil
	}
	key := namespace + "/" + ib.Service.Name + ":" + portName(ib.Service.Port)
	if be, ok := b.backends[key]; ok {
		return be
	}
	be := resolve(namespace, ib.Service, b.objs)
	b.backends[key] = be
	return be
}

// addTLS serves the Secret's certificate for the entry's hosts. A missing
// or invalid Secret leaves the hosts on the default certificate, as
// ingress-nginx does. An entry without hosts is ignored.
func (b *builder) addTLS(namespace string, t networkingv1.IngressTLS) {
	if t.SecretName == "" {
		return
	}
	cert := b.objs.Certificate(namespace, t.SecretName)
	if cert == nil {
		return
	}
	for _, h := range t.Hosts {
		key, wild := ruleHost(h)
		m := b.t.certs.exact
		if wild {
			m = b.t.certs.wildcard
		}
		if _, taken := m[key]; !taken {
			m[key] = cert
		}
	}
}

// oldestFirst sorts a copy of the Ingresses by creation time, then
// namespace and name.
func oldestFirst(in []*networkingv1.Ingress) []*networkingv1.Ingress {
	out := append([]*networkingv1.Ingress(nil), in...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return out
}
