package agent

import (
	"context"
	"fmt"
	"net"
	"sync"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"orca/internal/ingress"
	"orca/internal/network"
	"orca/internal/proxy"
)

// startNetworking starts the node's Service networking: the Service proxy,
// the cluster DNS, the ingress and the routes to other nodes' pods. They
// share one informer factory, so a Service or EndpointSlice is watched once
// per node whatever number of components reads it. The returned wait
// blocks until the components that clean up when ctx ends (nftables
// tables) are done: the agent calls it before exiting. It starts factory,
// which the kubelet shares.
func startNetworking(ctx context.Context, cfg Config, client kubernetes.Interface, factory informers.SharedInformerFactory) (wait func(), err error) {
	var cleanups sync.WaitGroup // components add themselves; Done after their cleanup
	// Each component registers its informers here, before Start.
	podNet, err := network.NewPodNetwork(network.PodNetworkConfig{
		NodeName: cfg.NodeName, ClusterCIDR: cfg.ClusterCIDR, Nodes: factory.Core().V1().Nodes(), Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	cleanups.Add(1)
	go func() { defer cleanups.Done(); podNet.Run(ctx) }()
	px, err := proxy.New(proxy.Config{NodeName: cfg.NodeName, NodeIP: cfg.NodeIP, ServiceCIDR: cfg.ServiceCIDR, ClusterCIDR: cfg.ClusterCIDR, Mode: cfg.ProxyMode, HealthzAddress: cfg.ProxyHealthzAddress, Logger: cfg.Logger}, factory)
	if err != nil {
		return nil, err
	}
	cleanups.Add(1)
	go func() { defer cleanups.Done(); px.Run(ctx) }()
	if err := startDNS(ctx, cfg, client, factory); err != nil {
		return nil, err
	}
	ing := ingress.Config{HTTPPort: cfg.IngressHTTPPort, HTTPSPort: cfg.IngressHTTPSPort, Logger: cfg.Logger}
	if _, err := ingress.Start(ctx, ing, client, factory); err != nil {
		// A port taken by another server must not stop the node.
		cfg.Logger.Error("ingress not started", "err", err)
	}
	factory.Start(ctx.Done())
	return cleanups.Wait, nil
}

// networkDefaults fills the Service and pod ranges and the pods' cluster
// DNS server (the kube-dns Service's address) when not given.
func (cfg *Config) networkDefaults() error {
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = network.DefaultServiceCIDR
	}
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = network.DefaultClusterCIDR
	}
	_, svc, err := net.ParseCIDR(cfg.ServiceCIDR)
	if err != nil {
		return fmt.Errorf("service CIDR: %w", err)
	}
	if _, _, err := net.ParseCIDR(cfg.ClusterCIDR); err != nil {
		return fmt.Errorf("cluster CIDR: %w", err)
	}
	if len(cfg.ClusterDNS) == 0 {
		cfg.ClusterDNS = []string{network.ClusterDNSIP(svc).String()}
	}
	return nil
}
