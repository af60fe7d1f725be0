package framework

import (
	v1 "k8s.io/api/core/v1"
)

// Defaults used in place of a missing cpu/memory request when scoring, so that
// best-effort pods still spread instead of piling onto one "empty" node.
const (
	DefaultMilliCPURequest int64 = 100               // 0.1 core
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024 // 200 MiB
)

// Resource is a compact, integer form of a ResourceList: the arithmetic of
// filtering and scoring happens millions of times, Quantity is too slow.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	// AllowedPodNumber is only meaningful for node allocatable.
	AllowedPodNumber int
	// ScalarResources holds extended resources, hugepages and attachable volumes.
	ScalarResources map[v1.ResourceName]int64
}

// NewResource converts a ResourceList.
func NewResource(rl v1.ResourceList) *Resource {
	r := &Resource{}
	r.Add(rl)
	return r
}

// Add accumulates a ResourceList into r.
func (r *Resource) Add(rl v1.ResourceList) {
	for name, q := range rl {
		switch name {
		case v1.ResourceCPU:
			r.MilliCPU += q.MilliValue()
		case v1.ResourceMemory:
			r.Memory += q.Value()
		case v1.ResourceEphemeralStorage:
			r.EphemeralStorage += q.Value()
		case v1.ResourcePods:
			r.AllowedPodNumber += int(q.Value())
		default:
			if IsScalarResourceName(name) {
				r.AddScalar(name, q.Value())
			}
		}
	}
}

// AddResource adds o into r (pods count included).
func (r *Resource) AddResource(o *Resource) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.EphemeralStorage += o.EphemeralStorage
	r.AllowedPodNumber += o.AllowedPodNumber
	for k, v := range o.ScalarResources {
		r.AddScalar(k, v)
	}
}

// SubResource subtracts o from r; used when a pod leaves a node.
func (r *Resource) SubResource(o *Resource) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.EphemeralStorage -= o.EphemeralStorage
	r.AllowedPodNumber -= o.AllowedPodNumber
	for k, v := range o.ScalarResources {
		r.AddScalar(k, -v)
	}
}

// SetMax raises every field of r to at least the one in o.
func (r *Resource) SetMax(o *Resource) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	r.AllowedPodNumber = max(r.AllowedPodNumber, o.AllowedPodNumber)
	for k, v := range o.ScalarResources {
		if v > r.ScalarResources[k] {
			r.SetScalar(k, v)
		}
	}
}

// AddScalar adds q to the named scalar resource.
func (r *Resource) AddScalar(name v1.ResourceName, q int64) {
	r.SetScalar(name, r.ScalarResources[name]+q)
}

// SetScalar sets the named scalar resource.
func (r *Resource) SetScalar(name v1.ResourceName, q int64) {
	if r.ScalarResources == nil {
		r.ScalarResources = map[v1.ResourceName]int64{}
	}
	r.ScalarResources[name] = q
}

// Clone returns a deep copy.
func (r *Resource) Clone() *Resource {
	c := *r
	if r.ScalarResources != nil {
		c.ScalarResources = make(map[v1.ResourceName]int64, len(r.ScalarResources))
		for k, v := range r.ScalarResources {
			c.ScalarResources[k] = v
		}
	}
	return &c
}

// IsZero reports a request of nothing at all; such pods fit anywhere that
// has a pod slot, so the fit check can stop early.
func (r *Resource) IsZero() bool {
	return r.MilliCPU == 0 && r.Memory == 0 && r.EphemeralStorage == 0 && len(r.ScalarResources) == 0
}

// IsScalarResourceName reports names tracked in ScalarResources: extended
// resources (domain-qualified, outside kubernetes.io), hugepages-* and
// attachable-volumes-*.
func IsScalarResourceName(name v1.ResourceName) bool {
	s := string(name)
	return isExtendedResourceName(s) || hasPrefix(s, v1.ResourceHugePagesPrefix) || hasPrefix(s, v1.ResourceAttachableVolumesPrefix)
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// isExtendedResourceName mirrors the API rule: a qualified name with a
// domain that is not (a subdomain of) kubernetes.io, and not requests.*.
func isExtendedResourceName(s string) bool {
	slash := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			slash = i
			break
		}
	}
	if slash <= 0 || hasPrefix(s, "requests.") {
		return false
	}
	domain := s[:slash]
	if domain == "kubernetes.io" || hasSuffix(domain, ".kubernetes.io") {
		return false
	}
	return true
}

func hasSuffix(s, p string) bool { return len(s) >= len(p) && s[len(s)-len(p):] == p }
