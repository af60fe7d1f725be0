package apiserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"orca/internal/admission"
	"orca/internal/etcd"
	"orca/internal/registry"
	"orca/internal/storage"
)

// Server is a running API server.
type Server struct {
	cfg       Config
	codecs    *codecs
	client    *clientv3.Client
	embedded  *etcd.Embedded
	stores    []*storage.Store
	rests     map[schema.GroupVersionResource]*registry.REST
	byGR      map[schema.GroupResource]*registry.REST // the stored version of each resource
	resources map[gvrKey]*served
	disc      *discovery
	admit     *admission.Chain
	tlsConfig *tls.Config
	listener  net.Listener
	advertise string
	metrics   *metrics
	ready     atomic.Bool

	fieldManagers map[schema.GroupVersionResource]*fieldManager
	openapi       http.Handler
	hooks         map[schema.GroupVersionResource]registry.Hooks
	serviceNet    *net.IPNet
	loopback      *rest.Config
	clusterCA     []byte          // PEM of the CA signing client certificates
	kubelet       *http.Transport // reaches kubelets as kube-apiserver-kubelet-client
}

// New connects storage and builds the handlers; Run serves.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg.setDefaults()
	s := &Server{cfg: cfg, codecs: newCodecs(), rests: map[schema.GroupVersionResource]*registry.REST{}, byGR: map[schema.GroupResource]*registry.REST{},
		resources: map[gvrKey]*served{}, metrics: newMetrics(), fieldManagers: map[schema.GroupVersionResource]*fieldManager{},
		hooks: map[schema.GroupVersionResource]registry.Hooks{}}
	_, svcNet, err := net.ParseCIDR(cfg.ServiceClusterIPRange)
	if err != nil {
		return nil, fmt.Errorf("--service-cluster-ip-range %q: %w", cfg.ServiceClusterIPRange, err)
	}
	s.serviceNet = svcNet
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.BindAddress.String(), strconv.Itoa(cfg.SecurePort)))
	if err != nil {
		s.Close()
		return nil, err
	}
	s.listener = ln
	s.advertise = advertiseAddress(cfg, ln)
	if err := s.setupTLS(firstIP(svcNet)); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.buildResources(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) connect(ctx context.Context) error {
	if len(s.cfg.Etcd.Servers) > 0 {
		c, err := etcd.Connect(ctx, s.cfg.Etcd)
		if err != nil {
			return err
		}
		s.client = c
		return nil
	}
	e, err := etcd.StartEmbedded(ctx, s.cfg.DataDir+"/etcd")
	if err != nil {
		return err
	}
	s.embedded, s.client = e, e.Client
	return nil
}

// afterCompaction gives the embedded member's freed pages back to the
// system (see etcd.DefragPolicy); an external etcd is its operators' to
// defragment, as with kube-apiserver.
func (s *Server) afterCompaction(ctx context.Context) {
	if s.embedded == nil {
		return
	}
	did, err := s.embedded.DefragIfSparse(ctx, etcd.DefaultDefragPolicy)
	if err != nil && ctx.Err() == nil {
		slog.Warn("etcd defragmentation", "err", err)
	}
	if did {
		// The rewrite's buffers (~140 MB of heap for a 125 MB database)
		// are garbage now; give them back at once rather than at the next
		// collection and scavenge, ~30 s later when idle.
		debug.FreeOSMemory()
	}
}

// URL is the address clients use.
func (s *Server) URL() string { return "https://" + s.advertise }

// Port is the port the server listens on (useful with --secure-port 0).
func (s *Server) Port() int { return s.listener.Addr().(*net.TCPAddr).Port }

func advertiseAddress(cfg Config, ln net.Listener) string {
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if cfg.AdvertiseAddress != nil {
		return net.JoinHostPort(cfg.AdvertiseAddress.String(), port)
	}
	if !cfg.BindAddress.IsUnspecified() {
		return net.JoinHostPort(cfg.BindAddress.String(), port)
	}
	return net.JoinHostPort("127.0.0.1", port)
}

func firstIP(n *net.IPNet) net.IP {
	ip := make(net.IP, len(n.IP))
	copy(ip, n.IP)
	ip[len(ip)-1]++
	return ip
}

// buildResources creates a store and REST per stored resource and the
// served views of every version.
func (s *Server) buildResources() error {
	codec := storage.NewCodec(scheme.Scheme)
	copts := storage.CacheOptions{BookmarkInterval: s.cfg.BookmarkInterval}
	s.admit = s.admissionChain()
	if err := s.setupAllocators(codec); err != nil {
		return err
	}
	all := registry.Resources()
	s.disc = newDiscovery(all)
	for _, res := range all {
		if res.Review {
			s.resources[gvrKey{res.Group, res.Version, res.Resource}] = &served{res: res, rest: reviews{res}, conv: &converter{res: res}}
			continue
		}
		if res.Storage != nil {
			continue
		}
		st := storage.NewStore(s.client, codec, storage.Config{
			GR: res.GR(), Prefix: storage.ResourcePrefix(res.Group, res.Resource), NewObj: res.New, Attrs: res.Attrs,
		}, copts)
		s.stores = append(s.stores, st)
		rest := &registry.REST{Res: res, Store: st, Admit: s.admit, Hooks: s.hooks[res.GVR()]}
		s.rests[res.GVR()] = rest
		s.byGR[res.GR()] = rest
		s.resources[gvrKey{res.Group, res.Version, res.Resource}] = &served{res: res, rest: rest, conv: &converter{res: res}}
	}
	for _, res := range all {
		if res.Storage == nil {
			continue
		}
		base := s.rests[res.Storage.GVR()]
		s.resources[gvrKey{res.Group, res.Version, res.Resource}] = &served{
			res: res, rest: registry.NewVersioned(res, base), conv: &converter{res: res}, fromStorage: res.FromStorage,
		}
	}
	return s.setupOpenAPI(all)
}

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, st := range s.stores {
		go st.Run(ctx)
	}
	for _, st := range s.stores {
		select {
		case <-st.Ready():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	go storage.Compact(ctx, s.client, s.cfg.CompactionInterval, s.afterCompaction)
	if err := s.bootstrap(ctx); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	s.ready.Store(true)
	// Building OpenAPI documents and filling caches leaves garbage behind;
	// give it back now rather than whenever the scavenger gets to it.
	go debug.FreeOSMemory()
	srv := &http.Server{Handler: s.Handler(), TLSConfig: s.tlsConfig, ReadHeaderTimeout: 30 * time.Second,
		ErrorLog: slogErrorLog()}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(tlsListener(s.listener, s.tlsConfig)) }()
	var etcdErr <-chan error
	if s.embedded != nil {
		etcdErr = s.embedded.Err()
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	case err := <-etcdErr:
		return fmt.Errorf("embedded etcd: %w", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		slog.Warn("shutdown", "err", err)
	}
	return nil
}

// Close releases storage.
func (s *Server) Close() {
	if s.listener != nil {
		s.listener.Close()
	}
	if s.embedded != nil {
		s.embedded.Close()
	} else if s.client != nil {
		s.client.Close()
	}
}

// Handler is the full request chain.
func (s *Server) Handler() http.Handler {
	mux := http.HandlerFunc(s.route)
	return s.withRecovery(s.metrics.wrap(s.withAuthentication(s.withAuthorization(mux))))
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case isPublic(p) && s.serveHealth(w, r):
		return
	case p == "/metrics":
		s.metrics.serve(w, r)
		return
	case len(p) >= 8 && p[:8] == "/openapi":
		s.openapi.ServeHTTP(w, r)
		return
	case strings.HasPrefix(p, "/debug/pprof"):
		servePprof(w, r)
		return
	}
	if s.serveDiscovery(w, r) {
		return
	}
	info := requestInfoFrom(r)
	if !info.IsResource {
		s.writeError(w, r, notFound())
		return
	}
	s.serveResource(w, r, info)
}

// WaitReady blocks until the server serves requests.
func (s *Server) WaitReady(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !s.ready.Load() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// KubeconfigPath is where the admin kubeconfig was written.
func (s *Server) KubeconfigPath() string { return s.cfg.KubeconfigOut }
