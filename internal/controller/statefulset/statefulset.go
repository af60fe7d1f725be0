// Package statefulset is the statefulset controller. (Being written: it does nothing yet.)
package statefulset

import (
	"context"

	"orca/internal/controller/deps"
)

// Controller is the statefulset controller.
type Controller struct{}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) { return &Controller{}, nil }

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { <-ctx.Done() }
