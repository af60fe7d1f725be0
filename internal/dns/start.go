package dns

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Config is the node's cluster DNS.
type Config struct {
	Client   kubernetes.Interface
	Factory  informers.SharedInformerFactory
	NodeName string
	NodeIP   net.IP
	// Listen is host:port to serve on (UDP and TCP); the published endpoint
	// is its host, or the node IP when the host is unspecified.
	Listen string
	// Domain is the cluster domain (cluster.local).
	Domain string
	// ClusterDNS are the kube-dns Service's addresses: the zone's NS, and
	// never an upstream.
	ClusterDNS []net.IP
	// ResolvConf names the node's resolvers (/etc/resolv.conf);
	// Upstreams (host:port), when set, are used instead.
	ResolvConf string
	Upstreams  []string
	Logger     *slog.Logger
}

// Start registers the DNS's informers on the factory (call it before the
// factory's Start), binds the sockets, and serves once the informers have
// synced; then it publishes the node's kube-dns EndpointSlice.
func Start(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ix := NewIndex(cfg.Domain, cfg.ClusterDNS)
	kick := make(chan struct{}, 1)
	synced := watch(cfg, ix, kick)

	listenIP, port, err := listenAddr(cfg.Listen)
	if err != nil {
		return err
	}
	self := append([]net.IP{listenIP, cfg.NodeIP}, cfg.ClusterDNS...)
	upstreams := cfg.Upstreams
	if upstreams == nil {
		if upstreams, err = ResolvConfUpstreams(cfg.ResolvConf, self); err != nil {
			cfg.Logger.Warn("dns: no upstream resolvers: names outside the cluster get SERVFAIL", "err", err)
		}
	}
	h := &Handler{Index: ix, Forward: NewForwarder(upstreams, 2*time.Second), Cache: NewCache(10000, 30*time.Second), Log: cfg.Logger}
	gate := &syncGate{next: h, zone: ix.Zone()}
	udpAddr, _, err := Serve(ctx, cfg.Listen, gate)
	if err != nil {
		return fmt.Errorf("cluster DNS on %s: %w (--cluster-dns-listen changes it)", cfg.Listen, err)
	}
	if listenIP.IsUnspecified() {
		listenIP = cfg.NodeIP
	}
	if port == 0 {
		port = udpAddr.(*net.UDPAddr).Port
	}
	pub := &publisher{client: cfg.Client, node: cfg.NodeName, ip: listenIP, port: int32(port), log: cfg.Logger}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), synced...) {
			return
		}
		gate.ready.Store(true)
		cfg.Logger.Info("cluster DNS serving", "addr", udpAddr, "zone", ix.Zone(), "upstreams", upstreams)
		pub.run(ctx, kick)
	}()
	return nil
}

func listenAddr(listen string) (net.IP, int, error) {
	host, p, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, 0, fmt.Errorf("cluster DNS address %q: %w", listen, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, 0, fmt.Errorf("cluster DNS address %q: bad port", listen)
	}
	ip := net.IPv4zero
	if host != "" {
		if ip = net.ParseIP(host); ip == nil {
			return nil, 0, fmt.Errorf("cluster DNS address %q: not an IP address", listen)
		}
	}
	return ip, port, nil
}

// watch feeds the index from the Service, EndpointSlice and Namespace
// informers, and kicks the publisher when the node's own slice changes.
func watch(cfg Config, ix *Index, kick chan<- struct{}) []cache.InformerSynced {
	own := SliceName(cfg.NodeName)
	poke := func(obj any) {
		if sl, ok := obj.(*discoveryv1.EndpointSlice); ok && sl.Namespace == ServiceNamespace && sl.Name == own {
			select {
			case kick <- struct{}{}:
			default:
			}
		}
	}
	svcs := cfg.Factory.Core().V1().Services().Informer()
	svcs.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { ix.SetService(obj.(*v1.Service)) },
		UpdateFunc: func(_, obj any) { ix.SetService(obj.(*v1.Service)) },
		DeleteFunc: func(obj any) {
			if m, ok := deleted(obj); ok {
				ix.DeleteService(m.ns, m.name)
			}
		},
	})
	eps := cfg.Factory.Discovery().V1().EndpointSlices().Informer()
	eps.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { ix.SetSlice(obj.(*discoveryv1.EndpointSlice)) },
		UpdateFunc: func(_, obj any) { ix.SetSlice(obj.(*discoveryv1.EndpointSlice)); poke(obj) },
		DeleteFunc: func(obj any) {
			if m, ok := deleted(obj); ok {
				ix.DeleteSlice(m.ns, m.name)
				poke(&discoveryv1.EndpointSlice{ObjectMeta: metaOf(m)})
			}
		},
	})
	nss := cfg.Factory.Core().V1().Namespaces().Informer()
	nss.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { ix.SetNamespace(obj.(*v1.Namespace).Name, true) },
		UpdateFunc: func(_, obj any) { ix.SetNamespace(obj.(*v1.Namespace).Name, true) },
		DeleteFunc: func(obj any) {
			if m, ok := deleted(obj); ok {
				ix.SetNamespace(m.name, false)
			}
		},
	})
	return []cache.InformerSynced{svcs.HasSynced, eps.HasSynced, nss.HasSynced}
}

// syncGate drops queries for the cluster zone until the informers have
// synced: no answer (the client retries) rather than a false NXDOMAIN
// while the index is still empty, e.g. during an agent restart.
type syncGate struct {
	next  dns.Handler
	zone  string
	ready atomic.Bool
}

func (g *syncGate) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if !g.ready.Load() && len(req.Question) == 1 && dns.IsSubDomain(g.zone, req.Question[0].Name) {
		return
	}
	g.next.ServeDNS(w, req)
}
