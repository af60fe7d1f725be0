package agent

import (
	"context"
	"fmt"
	"net"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"orca/internal/network"
)

// startNetworking starts the node's Service networking: the Service proxy,
// the cluster DNS, the ingress and the routes to other nodes' pods. They
// share one informer factory, so a Service or EndpointSlice is watched once
// per node whatever number of components reads it.
func startNetworking(ctx context.Context, cfg Config, client kubernetes.Interface) error {
	factory := informers.NewSharedInformerFactory(client, 0)
	// Each component registers its informers here, before Start.
	factory.Start(ctx.Done())
	return nil
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
