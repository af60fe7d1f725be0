package dns

import (
	"net"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// Index is the in-memory state the DNS answers from: one record set per
// Service, rebuilt on each informer event for it, and the reverse maps for
// PTR. A query costs a map lookup under a read lock, never a scan.
type Index struct {
	zone string // lowercase FQDN, e.g. "cluster.local."
	// nameservers are the cluster DNS Service's addresses, for the zone's
	// NS record (ns.dns.<zone>).
	nameservers []net.IP

	mu       sync.RWMutex
	services map[string]*service                              // "ns/name"
	raw      map[string]*v1.Service                           // "ns/name"
	slices   map[string]map[string]*discoveryv1.EndpointSlice // service key → slice name → slice
	sliceSvc map[string]string                                // "ns/slice" → the service key it was filed under
	// clusterIPs and endpointIPs map an address to the keys of the
	// Services that publish it, for PTR.
	clusterIPs  map[string][]string
	endpointIPs map[string][]string
	// namespaces holds the existing namespaces (names under a namespace
	// that exists but has no such record are NODATA, not NXDOMAIN, as
	// CoreDNS answers).
	namespaces map[string]bool
	serial     uint32
}

// NewIndex is an empty index for the cluster domain (e.g. "cluster.local").
func NewIndex(domain string, nameservers []net.IP) *Index {
	return &Index{
		zone:        lowerFQDN(domain),
		nameservers: nameservers,
		services:    map[string]*service{},
		raw:         map[string]*v1.Service{},
		slices:      map[string]map[string]*discoveryv1.EndpointSlice{},
		sliceSvc:    map[string]string{},
		clusterIPs:  map[string][]string{},
		endpointIPs: map[string][]string{},
		namespaces:  map[string]bool{},
		serial:      uint32(time.Now().Unix()),
	}
}

// Zone is the cluster zone the index answers for.
func (ix *Index) Zone() string { return ix.zone }

// SetService records a Service's current state.
func (ix *Index) SetService(svc *v1.Service) {
	key := svc.Namespace + "/" + svc.Name
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.raw[key] = svc
	ix.rebuild(key)
}

// DeleteService forgets a Service.
func (ix *Index) DeleteService(namespace, name string) {
	key := namespace + "/" + name
	ix.mu.Lock()
	defer ix.mu.Unlock()
	delete(ix.raw, key)
	ix.rebuild(key)
}

// SetSlice records an EndpointSlice under the Service its
// kubernetes.io/service-name label names.
func (ix *Index) SetSlice(sl *discoveryv1.EndpointSlice) {
	id := sl.Namespace + "/" + sl.Name
	svcName := sl.Labels[discoveryv1.LabelServiceName]
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old, ok := ix.sliceSvc[id]; ok && (svcName == "" || old != sl.Namespace+"/"+svcName) {
		ix.dropSlice(old, sl.Name) // relabelled: leave the old Service
		delete(ix.sliceSvc, id)
	}
	if svcName == "" {
		return
	}
	key := sl.Namespace + "/" + svcName
	if ix.slices[key] == nil {
		ix.slices[key] = map[string]*discoveryv1.EndpointSlice{}
	}
	ix.slices[key][sl.Name] = sl
	ix.sliceSvc[id] = key
	ix.rebuild(key)
}

// DeleteSlice forgets an EndpointSlice.
func (ix *Index) DeleteSlice(namespace, name string) {
	id := namespace + "/" + name
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if key, ok := ix.sliceSvc[id]; ok {
		delete(ix.sliceSvc, id)
		ix.dropSlice(key, name)
	}
}

func (ix *Index) dropSlice(key, name string) {
	delete(ix.slices[key], name)
	if len(ix.slices[key]) == 0 {
		delete(ix.slices, key)
	}
	ix.rebuild(key)
}

// SetNamespace records that a namespace exists (or not).
func (ix *Index) SetNamespace(name string, exists bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if exists {
		ix.namespaces[name] = true
	} else {
		delete(ix.namespaces, name)
	}
}

// rebuild recomputes one Service's records and its reverse entries; the
// caller holds the write lock.
func (ix *Index) rebuild(key string) {
	if old := ix.services[key]; old != nil {
		for _, ip := range old.clusterIPs {
			removeKey(ix.clusterIPs, ip.String(), key)
		}
		for _, ep := range old.endpoints {
			removeKey(ix.endpointIPs, ep.ip.String(), key)
		}
		delete(ix.services, key)
	}
	ix.serial++
	svc := ix.raw[key]
	if svc == nil {
		return
	}
	var sl []*discoveryv1.EndpointSlice
	for _, s := range ix.slices[key] {
		sl = append(sl, s)
	}
	s := newService(svc, sl)
	ix.services[key] = s
	for _, ip := range s.clusterIPs {
		addKey(ix.clusterIPs, ip.String(), key)
	}
	for _, ep := range s.endpoints {
		addKey(ix.endpointIPs, ep.ip.String(), key)
	}
}

func addKey(m map[string][]string, ip, key string) {
	for _, k := range m[ip] {
		if k == key {
			return
		}
	}
	m[ip] = append(m[ip], key)
}

func removeKey(m map[string][]string, ip, key string) {
	keys := m[ip]
	for i, k := range keys {
		if k == key {
			keys = append(keys[:i:i], keys[i+1:]...)
			break
		}
	}
	if len(keys) == 0 {
		delete(m, ip)
	} else {
		m[ip] = keys
	}
}
