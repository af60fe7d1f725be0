package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"orca/internal/cachetrim"
	"orca/internal/kubelet/cri"
	"orca/internal/kubelet/prober"
	"orca/internal/kubelet/volume"
)

// Config is one node's kubelet.
type Config struct {
	NodeName string
	Client   kubernetes.Interface
	Runtime  cri.Runtime
	Node     NodeConfig

	// RootDir holds per-pod state (volumes, hosts files); LogDir the
	// containers' logs.
	RootDir string
	LogDir  string
	// NoFiles is for virtual nodes: no files, mounts or cgroups on the host.
	NoFiles bool
	// CgroupRoot is the parent of pod cgroups ("/kubepods"); empty leaves
	// cgroups to the runtime's defaults.
	CgroupRoot string

	ClusterDNS    []string
	ClusterDomain string
	ResolvConf    string

	// OnPodCIDR is told the node's pod CIDR once the server assigned it
	// (the agent writes the CNI configuration).
	OnPodCIDR func(cidr string) error

	// SyncPeriod resyncs every pod this often even without events.
	SyncPeriod time.Duration
	// RelistPeriod is how often the runtime is polled for state changes.
	RelistPeriod time.Duration
	// NodeLeaseDurationSeconds is the node Lease's duration (upstream's
	// kubelet setting of the same name, 40); the Lease is renewed every
	// quarter of it. Tests with a short node monitor grace period shorten it.
	NodeLeaseDurationSeconds int32

	Clock  clock.WithTicker
	Logger *slog.Logger

	// Shared lets many virtual nodes in one process share what does not
	// depend on the node; nil means the kubelet makes its own.
	Shared *Shared
}

// Shared is state many kubelets of one process can share: an event
// pipeline and the Service cache (for service environment variables).
type Shared struct {
	Events   record.EventBroadcaster
	Services listersv1.ServiceLister
	// ServicesSynced reports when the Service cache is filled.
	ServicesSynced cache.InformerSynced
}

func (c *Config) defaults() {
	if c.ClusterDomain == "" {
		c.ClusterDomain = "cluster.local"
	}
	if c.ResolvConf == "" {
		c.ResolvConf = "/etc/resolv.conf"
	}
	if c.SyncPeriod == 0 {
		c.SyncPeriod = time.Minute
	}
	if c.RelistPeriod == 0 {
		c.RelistPeriod = time.Second
	}
	if c.NodeLeaseDurationSeconds == 0 {
		c.NodeLeaseDurationSeconds = defaultLeaseDuration
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.LogDir == "" {
		c.LogDir = filepath.Join(c.RootDir, "logs")
	}
}

// Kubelet runs one node's pods.
type Kubelet struct {
	cfg       Config
	resolv    hostResolver // the node's resolv.conf, parsed
	client    kubernetes.Interface
	rt        cri.Runtime
	log       *slog.Logger
	clock     clock.WithTicker
	recorder  record.EventRecorder
	events    record.EventBroadcaster
	prober    *prober.Manager
	volumes   *volume.Manager
	backoff   *backoff
	services  listersv1.ServiceLister
	pods      listersv1.PodLister
	nodes     listersv1.NodeLister
	podSynced cache.InformerSynced

	runtimeName  string
	networkReady atomic.Bool
	node         nodeState

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	wg      sync.WaitGroup
	ctx     context.Context
}

// New builds a kubelet; Run starts it.
func New(cfg Config) *Kubelet {
	cfg.defaults()
	k := &Kubelet{
		cfg:     cfg,
		client:  cfg.Client,
		rt:      cfg.Runtime,
		log:     cfg.Logger.With("node", cfg.NodeName),
		clock:   cfg.Clock,
		backoff: newBackoff(cfg.Clock, 10*time.Second, 5*time.Minute),
		workers: map[types.UID]*podWorker{},
	}
	if cfg.Shared != nil && cfg.Shared.Events != nil {
		k.recorder = cfg.Shared.Events.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet", Host: cfg.NodeName})
	} else {
		k.events = record.NewBroadcaster()
		k.recorder = k.events.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet", Host: cfg.NodeName})
	}
	k.volumes = volume.NewManager(volume.Options{
		Client: cfg.Client, RootDir: filepath.Join(cfg.RootDir, "pods"),
		NodeAllocatable: k.allocatable, NoMount: cfg.NoFiles,
	})
	k.prober = prober.NewManager(prober.Options{
		Runtime: cfg.Runtime, State: k, Clock: cfg.Clock, Recorder: k.recorder,
		OnChange: k.kick, OnLivenessFailure: k.livenessFailed,
	})
	return k
}

// Run registers the node and runs its pods until ctx ends. Containers keep
// running when it returns: a restarted kubelet adopts them.
func (k *Kubelet) Run(ctx context.Context) error {
	k.ctx = ctx
	v, err := k.rt.Version(ctx, "v1")
	if err != nil {
		return fmt.Errorf("container runtime: %w", err)
	}
	k.runtimeName = v.RuntimeName
	k.node.runtimeVersion = v.RuntimeName + "://" + v.RuntimeVersion
	if k.events != nil {
		k.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: k.client.CoreV1().Events("")})
		defer k.events.Shutdown()
	}
	if err := k.registerNode(ctx); err != nil {
		return err
	}
	podFactory := informers.NewSharedInformerFactoryWithOptions(k.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", k.cfg.NodeName).String()
		}), informers.WithTransform(cachetrim.StripManagedFields))
	pods := podFactory.Core().V1().Pods().Informer()
	reg, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { k.podChanged(o.(*v1.Pod)) },
		UpdateFunc: func(_, o any) { k.podChanged(o.(*v1.Pod)) },
		DeleteFunc: k.podDeleted,
	})
	if err != nil {
		return err
	}
	// Orphans are judged only once every listed pod reached a worker.
	k.podSynced = reg.HasSynced
	k.pods = podFactory.Core().V1().Pods().Lister()
	nodeFactory := informers.NewSharedInformerFactoryWithOptions(k.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", k.cfg.NodeName).String()
		}))
	k.nodes = nodeFactory.Core().V1().Nodes().Lister()
	nodeSynced := nodeFactory.Core().V1().Nodes().Informer().HasSynced
	nodeFactory.Core().V1().Nodes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { k.nodeChanged(ctx, o.(*v1.Node)) },
		UpdateFunc: func(_, o any) { k.nodeChanged(ctx, o.(*v1.Node)) },
	})
	factories := []informers.SharedInformerFactory{podFactory, nodeFactory}
	var svcSynced cache.InformerSynced
	if sh := k.cfg.Shared; sh != nil && sh.Services != nil {
		k.services, svcSynced = sh.Services, sh.ServicesSynced
	} else {
		svcFactory := informers.NewSharedInformerFactory(k.client, 0)
		k.services = svcFactory.Core().V1().Services().Lister()
		svcSynced = svcFactory.Core().V1().Services().Informer().HasSynced
		factories = append(factories, svcFactory)
	}
	for _, f := range factories {
		f.Start(ctx.Done())
	}
	if !cache.WaitForCacheSync(ctx.Done(), reg.HasSynced, svcSynced, nodeSynced) {
		return nil // stopped before it started
	}
	go k.runNodeStatus(ctx)
	go k.runLease(ctx)
	k.runRelist(ctx)
	for _, f := range factories {
		f.Shutdown()
	}
	k.wg.Wait()
	return nil
}
