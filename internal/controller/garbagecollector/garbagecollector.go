// Package garbagecollector is the garbagecollector controller. (Being written: it does nothing yet.)
package garbagecollector

import (
	"context"

	"orca/internal/controller/deps"
)

// Controller is the garbagecollector controller.
type Controller struct{}

// New wires the controller to the manager's shared informers.
func New(d *deps.Deps) (*Controller, error) { return &Controller{}, nil }

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) { <-ctx.Done() }
