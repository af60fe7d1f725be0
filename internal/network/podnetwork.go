package network

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	coreinformers "k8s.io/client-go/informers/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/knftables"
)

// RouteTable is where the node's routes to other nodes' pods live (the
// kernel's, through netlink, on a real node). It sees only orca's routes.
type RouteTable interface {
	List() ([]Route, error)
	Replace(Route) error
	Delete(Route) error
}

// PodNetworkConfig configures the node's side of the pod network.
type PodNetworkConfig struct {
	NodeName string
	// ClusterCIDR is the cluster's pod range (comma-separated per family):
	// pod traffic to it is not masqueraded.
	ClusterCIDR string
	Nodes       coreinformers.NodeInformer
	Routes      RouteTable          // nil: the kernel's (NetlinkRoutes)
	NFT         knftables.Interface // nil: nftables table orca-network
	// Resync re-applies routes and rules this often even without a Node
	// change, repairing what someone else removed (0: 30 s).
	Resync time.Duration
	Logger *slog.Logger
}

// PodNetwork keeps the node's routes to other nodes' pod CIDRs and its
// masquerade rules in line with the Node objects.
type PodNetwork struct {
	cfg     PodNetworkConfig
	cluster []*net.IPNet
	nodes   corelisters.NodeLister
	synced  cache.InformerSynced
	kick    chan struct{}
	log     *slog.Logger

	appliedPodCIDRs []string // own pod CIDRs the table holds rules for (nil: not written yet)
	rewrite         bool     // write the table at the next sync even if nothing changed
}

// NewPodNetwork registers its Node event handler on cfg.Nodes; call it
// before the informer factory starts, and Run after.
func NewPodNetwork(cfg PodNetworkConfig) (*PodNetwork, error) {
	cluster, err := ParseCIDRs(cfg.ClusterCIDR)
	if err != nil || len(cluster) == 0 {
		return nil, fmt.Errorf("cluster CIDR %q: %v", cfg.ClusterCIDR, err)
	}
	if cfg.Routes == nil {
		cfg.Routes = NetlinkRoutes{}
	}
	if cfg.NFT == nil {
		if cfg.NFT, err = knftables.New(TableFamily, Table); err != nil {
			return nil, fmt.Errorf("nftables, needed to masquerade pod traffic leaving the cluster (apt-get install nftables): %w", err)
		}
	}
	if cfg.Resync == 0 {
		cfg.Resync = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &PodNetwork{
		cfg: cfg, cluster: cluster, nodes: cfg.Nodes.Lister(), kick: make(chan struct{}, 1),
		log: cfg.Logger.With("component", "pod-network"),
	}
	reg, err := cfg.Nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { p.trigger() },
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(*v1.Node)
			n, ok2 := cur.(*v1.Node)
			if !ok1 || !ok2 || routingChanged(o, n) {
				p.trigger()
			}
		},
		DeleteFunc: func(any) { p.trigger() },
	})
	if err != nil {
		return nil, err
	}
	p.synced = reg.HasSynced
	return p, nil
}

// routingChanged: only pod CIDRs and addresses matter; heartbeats don't.
func routingChanged(old, cur *v1.Node) bool {
	if !slices.Equal(podCIDRs(old), podCIDRs(cur)) {
		return true
	}
	return !slices.Equal(old.Status.Addresses, cur.Status.Addresses)
}

func (p *PodNetwork) trigger() {
	select {
	case p.kick <- struct{}{}:
	default: // a sync is already due; it will see this change too
	}
}

// Run syncs until ctx ends, then deletes the orca-network table. The routes
// stay, as flannel's host-gw leaves them: pods keep running when the agent
// stops, and so does their traffic; the next agent start removes the routes
// of nodes that went away meanwhile.
func (p *PodNetwork) Run(ctx context.Context) {
	defer p.cleanup()
	if !cache.WaitForCacheSync(ctx.Done(), p.synced) {
		return
	}
	if ForwardDropped(ctx) {
		p.log.Warn("the iptables filter table's FORWARD chain drops by default: pod traffic between nodes will be dropped unless it is accepted there (e.g. iptables -I FORWARD -s CLUSTER_CIDR -j ACCEPT and -d CLUSTER_CIDR)", "clusterCIDR", p.cfg.ClusterCIDR)
	}
	tick := time.NewTicker(p.cfg.Resync)
	defer tick.Stop()
	for {
		if err := p.Sync(ctx); err != nil {
			p.log.Error("sync the pod network", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		case <-tick.C:
			p.rewrite = true // in case someone flushed the table
		}
	}
}

// Sync applies the routes and masquerade rules the Node objects call for.
func (p *PodNetwork) Sync(ctx context.Context) error {
	nodes, err := p.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	routeErr := p.syncRoutes(nodes)
	var own []string
	for _, n := range nodes {
		if n.Name == p.cfg.NodeName {
			own = podCIDRs(n)
		}
	}
	if err := p.syncMasquerade(ctx, own); err != nil {
		return err
	}
	return routeErr
}

func (p *PodNetwork) syncRoutes(nodes []*v1.Node) error {
	current, err := p.cfg.Routes.List()
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	replace, remove := PlanRoutes(DesiredRoutes(p.cfg.NodeName, nodes), current)
	var firstErr error
	for _, r := range replace {
		if err := p.cfg.Routes.Replace(r); err != nil {
			// Typically "network is unreachable": host-gateway routing needs
			// the node's address on a directly connected network.
			firstErr = cmpErr(firstErr, fmt.Errorf("route %s (the gateway must be on this node's L2 segment): %w", r, err))
			continue
		}
		p.log.Info("route to a node's pods", "route", r.String())
	}
	for _, r := range remove {
		if err := p.cfg.Routes.Delete(r); err != nil {
			firstErr = cmpErr(firstErr, fmt.Errorf("delete route %s: %w", r, err))
			continue
		}
		p.log.Info("removed the route to a node's pods", "route", r.String())
	}
	return firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// syncMasquerade rewrites the table when the node's pod CIDRs change (and
// on the first sync, replacing what a crashed agent left).
func (p *PodNetwork) syncMasquerade(ctx context.Context, own []string) error {
	changed := p.appliedPodCIDRs == nil || !slices.Equal(p.appliedPodCIDRs, own)
	if !changed && !p.rewrite {
		return nil
	}
	var pods []*net.IPNet
	for _, c := range own {
		if _, n, err := net.ParseCIDR(c); err == nil {
			pods = append(pods, n)
		}
	}
	tx := p.cfg.NFT.NewTransaction()
	MasqueradeRules(tx, pods, p.cluster)
	if err := p.cfg.NFT.Run(ctx, tx); err != nil {
		return fmt.Errorf("nftables table %s: %w", Table, err)
	}
	p.appliedPodCIDRs, p.rewrite = append([]string{}, own...), false
	if changed {
		p.log.Info("masquerading pod traffic that leaves the cluster network", "podCIDRs", own, "clusterCIDR", p.cfg.ClusterCIDR)
	}
	return nil
}

// cleanup deletes the orca-network table.
func (p *PodNetwork) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tx := p.cfg.NFT.NewTransaction()
	tx.Delete(&knftables.Table{})
	if err := p.cfg.NFT.Run(ctx, tx); err != nil && !knftables.IsNotFound(err) {
		p.log.Warn("delete nftables table "+Table, "err", err)
	}
}
