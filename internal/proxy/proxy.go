package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/knftables"
)

// Config is the proxy's part of the agent's configuration.
type Config struct {
	NodeName string
	NodeIP   net.IP
	// ServiceCIDR and ClusterCIDR are the cluster's Service and pod ranges.
	ServiceCIDR, ClusterCIDR string
	// Mode is --proxy-mode: auto (empty), nftables or iptables.
	Mode string
	// HealthzAddress is --proxy-healthz-bind-address (empty: not served).
	HealthzAddress string
	Logger         *slog.Logger
}

// Proxy is a node's Service proxy.
type Proxy struct {
	cfg     Config
	mode    Mode
	why     string
	host    host
	loop    syncLoop
	src     *informerSource
	health  *serviceHealth
	healthz *healthz
}

// syncLoop is one mode's writer: it is told which Services changed, syncs
// until its context ends, and removes its rules on a clean exit.
type syncLoop interface {
	changed(key string)
	run(ctx context.Context)
	teardown(ctx context.Context) error
	resyncAll()
	freshness() (lastOK, waiting time.Time)
}

// host holds the interfaces of the modes the host supports (nil: not).
type host struct {
	nft knftables.Interface
	ipt *iptables
}

// probeHost opens what the host offers; the errors say what is missing.
func probeHost() (host, hostSupport) {
	var h host
	var s hostSupport
	h.nft, s.nft = newTable()
	h.ipt, s.iptables = newIPTables()
	return h, s
}

// New picks the mode (nftables, or iptables-restore where nftables is
// missing) and registers the proxy's informers (Services and
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
	h, support := probeHost()
	mode, why, err := chooseMode(cfg.Mode, support)
	if err != nil {
		return nil, err
	}
	params := Params{NodeName: cfg.NodeName, ServiceCIDR: cfg.ServiceCIDR, ClusterCIDR: cfg.ClusterCIDR}
	p := &Proxy{cfg: cfg, mode: mode, why: why, host: h}
	if p.src, err = newInformerSource(factory, cfg.NodeName, func(key string) {
		p.loop.changed(key)
		p.health.changed(key)
	}, func() { p.loop.resyncAll() }); err != nil {
		return nil, err
	}
	if mode == ModeIPTables {
		p.loop = newIPTablesProxier(params, h.ipt, p.src, cfg.Logger)
	} else {
		p.loop = newProxier(params, h.nft, p.src, cfg.Logger)
	}
	// One health state, as kube-proxy's: /healthz, /livez and the
	// Services' health check ports all report it.
	p.healthz = &healthz{fresh: p.loop.freshness, eligible: p.src.nodeEligible, now: time.Now}
	p.health = newServiceHealth(p.src, cfg.NodeName, func() bool {
		ok, _ := p.healthz.healthy(time.Now())
		return ok
	}, cfg.Logger)
	return p, nil
}

// Mode is the mode New chose.
func (p *Proxy) Mode() Mode { return p.mode }

// Run programs the node until ctx ends, then removes its rules (a killed
// agent leaves them, so Services keep working until the next start).
func (p *Proxy) Run(ctx context.Context) {
	log := p.cfg.Logger
	p.logMode()
	if p.cfg.HealthzAddress != "" {
		go serveHealthz(ctx, p.cfg.HealthzAddress, p.healthz, log)
	}
	if !cache.WaitForCacheSync(ctx.Done(), p.src.synced) {
		p.health.close(context.Background())
		return
	}
	p.removeOtherMode(ctx)
	removeRoute, err := routeServiceCIDR(p.cfg.ServiceCIDR, p.cfg.NodeIP)
	if err != nil {
		log.Warn("service proxy: route the Service CIDR", "err", err)
	}
	p.loop.run(ctx)

	done, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.health.close(done)
	if err := p.loop.teardown(done); err != nil {
		log.Warn("service proxy: remove the rules", "mode", p.mode, "err", err)
	}
	if removeRoute != nil {
		removeRoute()
	}
	log.Info("service proxy stopped; rules removed", "mode", p.mode)
}

// logMode says at start which mode runs and why; falling back to
// iptables is a warning.
func (p *Proxy) logMode() {
	attrs := []any{"why", p.why, "serviceCIDR", p.cfg.ServiceCIDR, "nodePorts", "every node address but 127.0.0.1"}
	if p.mode == ModeNFTables {
		p.cfg.Logger.Info("service proxy: nftables mode", append(attrs, "table", "ip "+tableName, "nft", nftVersion())...)
		return
	}
	attrs = append(attrs, "chains", "ORCA-* in tables nat and filter", "iptables", p.host.ipt.version())
	if p.cfg.Mode == string(ModeIPTables) {
		p.cfg.Logger.Info("service proxy: iptables mode", attrs...)
		return
	}
	p.cfg.Logger.Warn("service proxy: iptables mode, the fallback for hosts without nftables", attrs...)
}

// removeOtherMode deletes what the other mode may have left (an agent
// killed, then restarted in the other mode), so two rule sets never
// compete for the same Services.
func (p *Proxy) removeOtherMode(ctx context.Context) {
	var err error
	switch {
	case p.mode == ModeIPTables && p.host.nft != nil:
		err = cleanup(ctx, p.host.nft)
	case p.mode == ModeNFTables && p.host.ipt != nil:
		err = p.host.ipt.cleanup(ctx)
	}
	if err != nil {
		p.cfg.Logger.Warn("service proxy: remove the other mode's rules", "err", err)
	}
}
