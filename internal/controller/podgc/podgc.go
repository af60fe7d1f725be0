// Package podgc is the podgc controller. (Being written: it does nothing yet.)
package podgc

import (
	"context"

	"orca/internal/controller/deps"
)

// Controller is the podgc controller.
type Controller struct{}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) { return &Controller{}, nil }

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { <-ctx.Done() }
