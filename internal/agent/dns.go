package agent

import (
	"context"
	"net"
	"strconv"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"orca/internal/dns"
)

// startDNS starts the node-local cluster DNS on the node IP (port 53 by
// default); pods reach it through the kube-dns Service.
func startDNS(ctx context.Context, cfg Config, client kubernetes.Interface, factory informers.SharedInformerFactory) error {
	listen := cfg.ClusterDNSListen
	if listen == "none" {
		return nil
	}
	if listen == "" {
		listen = net.JoinHostPort(cfg.NodeIP.String(), strconv.Itoa(53))
	}
	var servers []net.IP
	for _, s := range cfg.ClusterDNS {
		if ip := net.ParseIP(s); ip != nil {
			servers = append(servers, ip)
		}
	}
	domain := cfg.ClusterDomain
	if domain == "" {
		domain = "cluster.local"
	}
	err := dns.Start(ctx, dns.Config{
		Client: client, Factory: factory, NodeName: cfg.NodeName, NodeIP: cfg.NodeIP,
		Listen: listen, Domain: domain, ClusterDNS: servers, ResolvConf: "/etc/resolv.conf", Logger: cfg.Logger,
	})
	if err != nil {
		// A port taken by another DNS server must not stop the node (as
		// with the ingress); without the node's kube-dns endpoint, its pods'
		// DNS queries are rejected rather than lost.
		cfg.Logger.Error("cluster DNS not started", "err", err)
	}
	return nil
}
