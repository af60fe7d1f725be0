// Package registry holds what is specific to each served resource: its
// names and scope, defaulting, validation, selectable fields and
// spec/status split (one strategy per resource, one file per group), and
// the generic REST logic that applies strategies around storage.
package registry

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Resource describes one served resource at one version.
type Resource struct {
	Group, Version, Resource, Kind string
	Namespaced                     bool
	ShortNames                     []string
	Categories                     []string
	New                            func() runtime.Object
	NewList                        func() runtime.Object
	Strategy                       Strategy
	// ValidateName checks metadata.name; nil means a DNS-1123 subdomain.
	ValidateName func(name string, prefix bool) []string
	// ReturnDeleted makes DELETE answer with the object rather than a Status.
	ReturnDeleted bool

	// Status means a status subresource exists and splits writes: the main
	// resource ignores status changes, /status ignores everything else.
	Status bool
	// KeepStatusOnCreate keeps the status a client sends on create (nodes:
	// the kubelet registers its node with capacity and addresses).
	KeepStatusOnCreate bool
	// Scale, when set, serves the scale subresource (autoscaling/v1 Scale).
	Scale *ScaleAccessor
	// AllowCreateOnUpdate lets PUT create a missing object (as upstream does
	// for a few resources such as leases' clients expect).
	AllowCreateOnUpdate bool
	// TTL, when set, makes etcd drop objects after that many seconds (events).
	TTL int64
	// Verbs other than the standard set; nil means all standard verbs.
	Verbs []string
	// Review marks a question asked by creating an object (access reviews,
	// SelfSubjectReview): the API server answers it and stores nothing.
	Review bool
	// Storage is the resource whose store holds these objects when they are
	// served at another version too (autoscaling/v1 HPAs are stored as v2).
	// Convert functions translate between the two.
	Storage     *Resource
	ToStorage   func(runtime.Object) (runtime.Object, error)
	FromStorage func(runtime.Object) (runtime.Object, error)
	// FieldLabelToStorage renames this version's selectable fields to the
	// storage version's (events.k8s.io "regarding.name" is core "involvedObject.name").
	FieldLabelToStorage map[string]string
}

// GVR is the resource's group, version and plural name.
func (r *Resource) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: r.Group, Version: r.Version, Resource: r.Resource}
}

// GVK is the resource's kind.
func (r *Resource) GVK() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// GR is the group and resource, for errors.
func (r *Resource) GR() schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Resource}
}

// StandardVerbs are the verbs every resource serves unless it says otherwise.
var StandardVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// ServedVerbs returns the verbs of the resource.
func (r *Resource) ServedVerbs() []string {
	if r.Verbs != nil {
		return r.Verbs
	}
	return StandardVerbs
}

// Strategy is the resource-specific behaviour around writes.
type Strategy interface {
	// Default fills in upstream's defaults (on create and update).
	Default(obj runtime.Object)
	// PrepareForCreate resets what a client may not set on create (status).
	PrepareForCreate(obj runtime.Object)
	// PrepareForUpdate carries over what a client may not change.
	PrepareForUpdate(obj, old runtime.Object)
	Validate(obj runtime.Object) field.ErrorList
	ValidateUpdate(obj, old runtime.Object) field.ErrorList
	// Fields returns the selectable fields beyond metadata.name and
	// metadata.namespace (which are always there).
	Fields(obj runtime.Object) fields.Set
}

// ScaleAccessor reads and writes the scale of a workload.
type ScaleAccessor struct {
	// Get returns spec replicas, status replicas and the label selector string.
	Get func(obj runtime.Object) (specReplicas, statusReplicas int32, selector string)
	Set func(obj runtime.Object, replicas int32)
}
