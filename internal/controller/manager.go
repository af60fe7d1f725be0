// Package controller runs orca's controllers. Each controller lives in its
// own package and talks to the API server through client-go only.
package controller

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"orca/internal/controller/namespace"
	"orca/internal/controller/nodeipam"
)

// Options carries the controllers' settings.
type Options struct {
	// ClusterCIDR is the range nodes' pod CIDRs are cut from (upstream's
	// --cluster-cidr); empty turns node IPAM off.
	ClusterCIDR string
	// NodeCIDRMaskSize is the prefix length of each node's pod CIDR.
	NodeCIDRMaskSize int
}

// Run starts every controller and blocks until ctx ends.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
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
	runs := []func(context.Context){namespace.New(client, dyn, factory).Run}
	if o.ClusterCIDR != "" {
		ipam, err := nodeipam.New(client, factory, nodeipam.Options{ClusterCIDR: o.ClusterCIDR, NodeCIDRMaskSize: o.NodeCIDRMaskSize})
		if err != nil {
			return err
		}
		runs = append(runs, ipam.Run)
	}
	factory.Start(ctx.Done())
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Go(func() { run(ctx) })
	}
	wg.Wait()
	factory.Shutdown()
	return nil
}
