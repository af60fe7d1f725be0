package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// Config is the proxy's part of the agent's configuration.
type Config struct {
	NodeName string
	NodeIP   net.IP
	// ServiceCIDR and ClusterCIDR are the cluster's Service and pod ranges.
	ServiceCIDR, ClusterCIDR string
	Logger                   *slog.Logger
}

// Proxy is a node's Service proxy.
type Proxy struct {
	cfg Config
	px  *Proxier
	src *informerSource
}

// New checks nftables and registers the proxy's informers (Services and
// EndpointSlices) on the agent's shared factory; call it before the
// factory starts, and Run after.
func New(cfg Config, factory informers.SharedInformerFactory) (*Proxy, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for _, c := range []string{cfg.ServiceCIDR, cfg.ClusterCIDR} {
		if _, _, err := net.ParseCIDR(c); err != nil {
			return nil, fmt.Errorf("service proxy: %w", err)
		}
	}
	nft, err := newTable()
	if err != nil {
		return nil, err
	}
	params := Params{NodeName: cfg.NodeName, ServiceCIDR: cfg.ServiceCIDR, ClusterCIDR: cfg.ClusterCIDR}
	p := &Proxy{cfg: cfg}
	p.px = newProxier(params, nft, nil, cfg.Logger)
	if p.src, err = newInformerSource(factory, p.px.changed); err != nil {
		return nil, err
	}
	p.px.src = p.src
	return p, nil
}

// Run programs the node until ctx ends, then deletes the table (a killed
// agent leaves it, so Services keep working until the next start).
func (p *Proxy) Run(ctx context.Context) {
	log := p.cfg.Logger
	log.Info("service proxy: nftables mode", "table", "ip "+tableName, "nft", nftVersion(),
		"serviceCIDR", p.cfg.ServiceCIDR, "nodePorts", "every node address but 127.0.0.1")
	if !cache.WaitForCacheSync(ctx.Done(), p.src.synced) {
		return
	}
	removeRoute, err := routeServiceCIDR(p.cfg.ServiceCIDR, p.cfg.NodeIP)
	if err != nil {
		log.Warn("service proxy: route the Service CIDR", "err", err)
	}
	p.px.run(ctx)

	done, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cleanup(done, p.px.nft); err != nil {
		log.Warn("service proxy: delete the nftables table", "err", err)
	}
	if removeRoute != nil {
		removeRoute()
	}
	log.Info("service proxy stopped; table deleted")
}
