// Package admission holds the admission plugins that run on every write
// after authorization and before storage: mutating plugins may change the
// object, validating plugins only accept or refuse it.
package admission

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"orca/internal/auth"
)

// Operation is the kind of write being admitted.
type Operation string

const (
	Create  Operation = "CREATE"
	Update  Operation = "UPDATE"
	Delete  Operation = "DELETE"
	Connect Operation = "CONNECT"
)

// Attributes describe one write.
type Attributes struct {
	Operation   Operation
	Resource    schema.GroupVersionResource
	Kind        schema.GroupVersionKind
	Subresource string
	Namespace   string
	Name        string
	Object      runtime.Object // nil for deletes
	OldObject   runtime.Object // nil for creates
	DryRun      bool
	User        *auth.User
}

// Plugin is one admission step. A mutating plugin may change a.Object.
type Plugin interface {
	Name() string
	Admit(ctx context.Context, a *Attributes) error
}

// Chain runs mutating plugins, then validating plugins.
type Chain struct {
	Mutating   []Plugin
	Validating []Plugin
}

// Mutate runs the mutating plugins in order.
func (c *Chain) Mutate(ctx context.Context, a *Attributes) error {
	if c == nil {
		return nil
	}
	return run(ctx, c.Mutating, a)
}

// Validate runs the validating plugins in order.
func (c *Chain) Validate(ctx context.Context, a *Attributes) error {
	if c == nil {
		return nil
	}
	return run(ctx, c.Validating, a)
}

func run(ctx context.Context, ps []Plugin, a *Attributes) error {
	for _, p := range ps {
		if err := p.Admit(ctx, a); err != nil {
			return err
		}
	}
	return nil
}
