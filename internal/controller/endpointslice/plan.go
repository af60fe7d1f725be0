package endpointslice

import (
	"sort"
	"strings"

	discovery "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Plan is the writes that bring a Service's slices to the desired state.
// Creates go first, then updates, then deletes, so that no endpoint is
// ever missing from every slice in between.
type Plan struct {
	Create []*discovery.EndpointSlice
	Update []*discovery.EndpointSlice
	Delete []*discovery.EndpointSlice
}

// Empty: nothing to write.
func (p *Plan) Empty() bool { return len(p.Create)+len(p.Update)+len(p.Delete) == 0 }

// Target is what a controller wants of one owner's slices.
type Target struct {
	// Groups are the desired endpoints; Types the address types the owner
	// supports (existing slices of other types are deleted).
	Groups []Group
	Types  []discovery.AddressType
	// Max is the most endpoints one slice holds.
	Max int
	// Meta is the metadata every slice carries: labels, owner references,
	// generateName, namespace, and annotations when ManageAnnotations.
	Meta              metav1.ObjectMeta
	ManageAnnotations bool
	// Owned reports whether an existing slice belongs to this owner (not
	// to an earlier object of the same name); others are deleted.
	Owned func(*discovery.EndpointSlice) bool
	// Placeholder keeps one empty slice when there are no endpoints, as
	// the EndpointSlice controller does for Services with a selector.
	Placeholder bool
}

// Decide compares existing slices with the target and returns the writes,
// as upstream's reconciler does: slices keep their endpoints where they
// can (a changed endpoint is replaced in place), new endpoints fill slices
// already being written before unchanged ones, and a slice is only
// written when its content changes.
func Decide(t Target, existing []*discovery.EndpointSlice) Plan {
	var p Plan
	supported := map[discovery.AddressType]bool{}
	for _, at := range t.Types {
		supported[at] = true
	}
	byType := map[discovery.AddressType][]*discovery.EndpointSlice{}
	for _, s := range sortedSlices(existing) {
		if !supported[s.AddressType] || (t.Owned != nil && !t.Owned(s)) {
			p.Delete = append(p.Delete, s)
			continue
		}
		byType[s.AddressType] = append(byType[s.AddressType], s)
	}
	groupsByType := map[discovery.AddressType][]Group{}
	for _, g := range t.Groups {
		groupsByType[g.AddressType] = append(groupsByType[g.AddressType], g)
	}
	for _, at := range t.Types {
		decideType(t, at, groupsByType[at], byType[at], &p)
	}
	finalize(t, &p)
	return p
}

// decideType plans one address type.
func decideType(t Target, at discovery.AddressType, groups []Group, existing []*discovery.EndpointSlice, p *Plan) {
	byKey := map[string][]*discovery.EndpointSlice{}
	for _, s := range existing {
		k := groupKey(s.AddressType, s.Ports)
		byKey[k] = append(byKey[k], s)
	}
	wanted := map[string]bool{}
	var creates, deletes []*discovery.EndpointSlice
	for _, g := range groups {
		k := g.Key()
		wanted[k] = true
		c, u, d := decideGroup(t, g, byKey[k])
		creates = append(creates, c...)
		p.Update = append(p.Update, u...)
		deletes = append(deletes, d...)
	}
	for _, s := range existing {
		if !wanted[groupKey(s.AddressType, s.Ports)] {
			deletes = append(deletes, s)
		}
	}
	// No endpoints of this type at all: keep (or make) one empty slice so
	// that consumers see the Service was processed.
	if t.Placeholder && len(creates) == 0 && len(deletes) == len(existing) {
		ph := newSlice(t, at, []discovery.EndpointPort{})
		creates = append(creates, ph)
	}
	p.Create = append(p.Create, creates...)
	p.Delete = append(p.Delete, deletes...)
}

// decideGroup plans the slices of one port list: keep each existing
// slice's endpoints that are still wanted (replacing changed ones), then
// place the new endpoints.
func decideGroup(t Target, g Group, existing []*discovery.EndpointSlice) (creates, updates, deletes []*discovery.EndpointSlice) {
	want := make(map[string]discovery.Endpoint, len(g.Endpoints))
	order := make([]string, 0, len(g.Endpoints))
	for _, ep := range g.Endpoints {
		k := endpointKey(&ep)
		if _, dup := want[k]; !dup {
			order = append(order, k)
		}
		want[k] = ep
	}
	var unchanged []*discovery.EndpointSlice
	for _, s := range existing {
		kept := make([]discovery.Endpoint, 0, len(s.Endpoints))
		changed := false
		for i := range s.Endpoints {
			k := endpointKey(&s.Endpoints[i])
			ep, ok := want[k]
			if !ok {
				continue
			}
			delete(want, k)
			if !endpointEqual(&ep, &s.Endpoints[i]) {
				changed = true
			}
			kept = append(kept, ep)
		}
		switch {
		case changed || len(kept) != len(s.Endpoints):
			if len(kept) == 0 {
				deletes = append(deletes, s)
				continue
			}
			updates = append(updates, withContent(t, s, g.Ports, kept))
		case !metaCurrent(t, s, g.Ports):
			updates = append(updates, withContent(t, s, g.Ports, kept))
		default:
			unchanged = append(unchanged, s)
		}
	}
	var rest []discovery.Endpoint
	for _, k := range order {
		if ep, ok := want[k]; ok {
			rest = append(rest, ep)
		}
	}
	// Fill the slices being written anyway, fullest first.
	sort.SliceStable(updates, func(i, j int) bool { return len(updates[i].Endpoints) > len(updates[j].Endpoints) })
	for _, s := range updates {
		for len(rest) > 0 && len(s.Endpoints) < t.Max {
			s.Endpoints = append(s.Endpoints, rest[0])
			rest = rest[1:]
		}
	}
	// What is left goes into one unchanged slice with room for all of it,
	// else into new slices.
	if len(rest) > 0 && len(rest) < t.Max {
		if s := sliceToFill(unchanged, len(rest), t.Max); s != nil {
			u := withContent(t, s, g.Ports, append(append([]discovery.Endpoint{}, s.Endpoints...), rest...))
			updates = append(updates, u)
			rest = nil
		}
	}
	for len(rest) > 0 {
		n := min(len(rest), t.Max)
		s := newSlice(t, g.AddressType, g.Ports)
		s.Endpoints = rest[:n:n]
		rest = rest[n:]
		creates = append(creates, s)
	}
	return creates, updates, deletes
}

// sliceToFill is the fullest unchanged slice that still has room for n
// more endpoints, or nil.
func sliceToFill(unchanged []*discovery.EndpointSlice, n, max int) *discovery.EndpointSlice {
	var best *discovery.EndpointSlice
	for _, s := range unchanged {
		if len(s.Endpoints)+n <= max && (best == nil || len(s.Endpoints) > len(best.Endpoints)) {
			best = s
		}
	}
	return best
}

// finalize turns creates into updates of slices that would be deleted
// (same address type, owned): fewer writes, and names stay stable. An
// update that changes nothing is dropped.
func finalize(t Target, p *Plan) {
	for i := 0; i < len(p.Delete) && len(p.Create) > 0; {
		old := p.Delete[i]
		c := p.Create[len(p.Create)-1]
		if old.AddressType != c.AddressType || (t.Owned != nil && !t.Owned(old)) {
			i++
			continue
		}
		p.Create = p.Create[:len(p.Create)-1]
		p.Delete = append(p.Delete[:i], p.Delete[i+1:]...)
		if u := withContent(t, old, c.Ports, c.Endpoints); !sameContent(u, old, t.ManageAnnotations) {
			p.Update = append(p.Update, u)
		}
	}
}

// newSlice is an unnamed slice of the target's metadata.
func newSlice(t Target, at discovery.AddressType, ports []discovery.EndpointPort) *discovery.EndpointSlice {
	s := &discovery.EndpointSlice{ObjectMeta: *t.Meta.DeepCopy(), AddressType: at, Ports: ports, Endpoints: []discovery.Endpoint{}}
	return s
}

// withContent is a copy of existing s with the target's metadata, ports
// and endpoints.
func withContent(t Target, s *discovery.EndpointSlice, ports []discovery.EndpointPort, eps []discovery.Endpoint) *discovery.EndpointSlice {
	u := s.DeepCopy()
	u.Labels = copyMap(t.Meta.Labels)
	if t.ManageAnnotations {
		u.Annotations = copyMap(t.Meta.Annotations)
	}
	u.OwnerReferences = append([]metav1.OwnerReference(nil), t.Meta.OwnerReferences...)
	u.Ports = ports
	u.Endpoints = eps
	return u
}

// metaCurrent: labels, owner references, annotations (when managed) and
// ports are as the target wants.
func metaCurrent(t Target, s *discovery.EndpointSlice, ports []discovery.EndpointPort) bool {
	return equality.Semantic.DeepEqual(s.Labels, t.Meta.Labels) &&
		equality.Semantic.DeepEqual(s.OwnerReferences, t.Meta.OwnerReferences) &&
		(!t.ManageAnnotations || equality.Semantic.DeepEqual(s.Annotations, t.Meta.Annotations)) &&
		equality.Semantic.DeepEqual(s.Ports, ports)
}

// sameContent compares what a controller writes of two slices.
func sameContent(a, b *discovery.EndpointSlice, annotations bool) bool {
	return equality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences) &&
		(!annotations || equality.Semantic.DeepEqual(a.Annotations, b.Annotations)) &&
		equality.Semantic.DeepEqual(a.Ports, b.Ports) &&
		equality.Semantic.DeepEqual(a.Endpoints, b.Endpoints)
}

// endpointKey identifies an endpoint across syncs: its addresses and the
// object behind it.
func endpointKey(ep *discovery.Endpoint) string {
	k := ""
	if len(ep.Addresses) == 1 {
		k = ep.Addresses[0]
	} else {
		addrs := append([]string(nil), ep.Addresses...)
		sort.Strings(addrs)
		k = strings.Join(addrs, ",")
	}
	if ep.TargetRef != nil {
		k += "|" + ep.TargetRef.Namespace + "/" + ep.TargetRef.Name
	}
	return k
}

// sortedSlices orders slices by name, so that plans are deterministic.
func sortedSlices(in []*discovery.EndpointSlice) []*discovery.EndpointSlice {
	out := append([]*discovery.EndpointSlice(nil), in...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
