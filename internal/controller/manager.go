// Package controller runs orca's controllers. Each controller lives in its
// own package and talks to the API server through client-go only.
package controller

import (
	"context"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"orca/internal/controller/namespace"
)

// Run starts every controller and blocks until ctx ends.
func Run(ctx context.Context, cfg *rest.Config) error {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, -1 // the server, not the client, sets the pace
	cfg.UserAgent = "orca-controller-manager"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactory(client, 10*time.Hour)
	ns := namespace.New(client, dyn, factory)
	factory.Start(ctx.Done())
	ns.Run(ctx)
	factory.Shutdown()
	return nil
}
