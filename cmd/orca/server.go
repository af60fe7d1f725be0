package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/klog/v2"

	"orca/internal/apiserver"
	"orca/internal/controller"
	"orca/internal/idlegc"
	"orca/internal/informerset"
	"orca/internal/scheduler"
	"orca/internal/scheduler/config"
)

// serverFlags are the control plane's flags, shared by `orca server` and `orca up`.
type serverFlags struct {
	cfg                          apiserver.Config
	bind, advertise, etcdServers string
	logLevel                     string
	disableScheduler             bool
	schedulerConfig              string
	controllers                  controller.Options
	disableControllers           bool
	notReadySeconds              int64 // DefaultTolerationSeconds admission
	unreachableSeconds           int64
	memoryLimit                  string
	idleGCPercent                int
}

func (sf *serverFlags) add(f *pflag.FlagSet) {
	cfg := &sf.cfg
	f.StringVar(&cfg.DataDir, "data-dir", "/var/lib/orca", "directory for etcd data, certificates and the admin kubeconfig")
	f.StringVar(&sf.bind, "bind-address", "0.0.0.0", "IP address to serve HTTPS on")
	f.IntVar(&cfg.SecurePort, "secure-port", 6443, "port to serve HTTPS on (0 picks a free one)")
	f.StringVar(&sf.advertise, "advertise-address", "", "IP address clients and the kubernetes Service use to reach this server")
	f.StringVar(&sf.etcdServers, "etcd-servers", "", "comma-separated URLs of an external etcd cluster (default: embedded etcd)")
	f.StringVar(&cfg.Etcd.CAFile, "etcd-cafile", "", "CA bundle to verify the external etcd servers")
	f.StringVar(&cfg.Etcd.CertFile, "etcd-certfile", "", "client certificate for the external etcd")
	f.StringVar(&cfg.Etcd.KeyFile, "etcd-keyfile", "", "client key for the external etcd")
	f.DurationVar(&cfg.CompactionInterval, "etcd-compaction-interval", 5*time.Minute, "how often etcd history older than one interval is compacted (0: never); after a compaction that leaves the embedded etcd's file at least half and 64 MiB free (with at most 256 MiB of data), it is defragmented at the next quiet moment")
	f.StringVar(&cfg.ServiceClusterIPRange, "service-cluster-ip-range", "10.96.0.0/12", "CIDR Service cluster IPs are allocated from")
	f.StringVar(&cfg.ServiceNodePortRange, "service-node-port-range", "30000-32767", "port range NodePorts are allocated from")
	f.StringVar(&cfg.CertDir, "cert-dir", "", "directory for generated certificates (default <data-dir>/tls)")
	f.StringVar(&cfg.TLSCertFile, "tls-cert-file", "", "serving certificate (default: generated, signed by the cluster CA)")
	f.StringVar(&cfg.TLSKeyFile, "tls-private-key-file", "", "key of --tls-cert-file")
	f.StringVar(&cfg.ClientCAFile, "client-ca-file", "", "CA that signs client certificates (default: the cluster CA)")
	f.StringVar(&cfg.KubeconfigOut, "write-kubeconfig", "", "where to write the admin kubeconfig (default <data-dir>/admin.kubeconfig)")
	f.StringVar(&cfg.KubeletClientCertificate, "kubelet-client-certificate", "", "client certificate for kubelet connections (default: generated, CN kube-apiserver-kubelet-client)")
	f.StringVar(&cfg.KubeletClientKey, "kubelet-client-key", "", "key of --kubelet-client-certificate")
	f.StringVar(&cfg.KubeletCertificateAuthority, "kubelet-certificate-authority", "", "CA bundle to verify kubelet serving certificates (default: not verified)")
	f.Int64Var(&sf.notReadySeconds, "default-not-ready-toleration-seconds", 300, "tolerationSeconds of the not-ready:NoExecute toleration added to every pod that has none")
	f.Int64Var(&sf.unreachableSeconds, "default-unreachable-toleration-seconds", 300, "tolerationSeconds of the unreachable:NoExecute toleration added to every pod that has none")
	f.StringVar(&sf.logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&sf.disableScheduler, "disable-scheduler", false, "do not run the in-process scheduler (run `orca scheduler` elsewhere)")
	f.StringVar(&sf.schedulerConfig, "scheduler-config", "", "KubeSchedulerConfiguration file for the in-process scheduler")
	f.BoolVar(&sf.disableControllers, "disable-controller-manager", false, "do not run the in-process controllers (run `orca controller-manager` elsewhere)")
	f.StringVar(&sf.memoryLimit, "memory-limit", "0", "soft limit of the process's memory, e.g. 1Gi: the Go garbage collector works harder as it nears it, trading CPU for memory (0: none; the GOMEMLIMIT environment variable wins)")
	f.IntVar(&sf.idleGCPercent, "idle-gc-percent", 50, "GOGC while the server is quiet (allocating little for 30 s): memory a burst of work left behind goes back to the system then, and what the collector frees goes back once a minute while it stays quiet; busy, Go's default 100 applies (0: always 100; a GOGC environment variable wins)")
	addControllerFlags(f, &sf.controllers)
}

// finish parses the string flags; a nil scheduler means none in-process.
func (sf *serverFlags) finish() (apiserver.Config, *scheduler.Options, error) {
	cfg := sf.cfg
	if cfg.BindAddress = net.ParseIP(sf.bind); cfg.BindAddress == nil {
		return cfg, nil, fmt.Errorf("--bind-address %q is not an IP address", sf.bind)
	}
	if sf.advertise != "" {
		if cfg.AdvertiseAddress = net.ParseIP(sf.advertise); cfg.AdvertiseAddress == nil {
			return cfg, nil, fmt.Errorf("--advertise-address %q is not an IP address", sf.advertise)
		}
	}
	cfg.DefaultNotReadyTolerationSeconds, cfg.DefaultUnreachableTolerationSeconds = &sf.notReadySeconds, &sf.unreachableSeconds
	if cfg.CompactionInterval == 0 {
		cfg.CompactionInterval = -1 // the Config's zero means its default
	} else if cfg.CompactionInterval < 0 {
		return cfg, nil, fmt.Errorf("--etcd-compaction-interval %v: want 0 or more", cfg.CompactionInterval)
	}
	if err := setMemoryLimit(sf.memoryLimit); err != nil {
		return cfg, nil, err
	}
	if sf.idleGCPercent < 0 || sf.idleGCPercent > 100 {
		return cfg, nil, fmt.Errorf("--idle-gc-percent %d: want 0 to 100", sf.idleGCPercent)
	}
	go idlegc.Run(context.Background(), idlegc.Config{Busy: 100, Idle: sf.idleGCPercent})
	if sf.etcdServers != "" {
		cfg.Etcd.Servers = strings.Split(sf.etcdServers, ",")
	}
	if sf.disableScheduler {
		return cfg, nil, nil
	}
	sched := &scheduler.Options{LeaderElect: true, Identity: sf.identity()}
	if sf.schedulerConfig != "" {
		c, err := config.Load(sf.schedulerConfig)
		if err != nil {
			return cfg, nil, err
		}
		*sched = sched.WithConfig(c)
	}
	return cfg, sched, nil
}

func serverCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the control plane: API server on etcd (embedded unless --etcd-servers is given)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			setupLogging(sf.logLevel)
			cfg, sched, err := sf.finish()
			if err != nil {
				return err
			}
			return runServer(cfg, sched, sf.controllerOptions(), nil)
		},
	}
	sf.add(cmd.Flags())
	return cmd
}

// controllerOptions is nil when the in-process controllers are disabled.
// They elect a leader, as upstream's, so that several servers can run.
func (sf *serverFlags) controllerOptions() *controller.Options {
	if sf.disableControllers {
		return nil
	}
	o := sf.controllers
	o.LeaderElect, o.Identity = true, sf.identity()
	return &o
}

// identity names this server's in-process scheduler and controllers in
// their Leases. It stays the same across restarts of one server (host and
// data dir), so that a server restarted after a crash takes its Leases
// back at once instead of waiting for them to expire.
func (sf *serverFlags) identity() string {
	host, _ := os.Hostname()
	dir, err := filepath.Abs(sf.cfg.DataDir)
	if err != nil {
		dir = sf.cfg.DataDir
	}
	sum := sha256.Sum256([]byte(dir))
	return fmt.Sprintf("%s_%x", host, sum[:6])
}

// runServer serves until a signal; a nil sched (ctrl) means no in-process
// scheduler (controllers). onReady runs once the server answers (orca up starts its
// agent there). On a signal the components stop first, while the API still
// answers, so the scheduler and the controllers can release their Leases (a
// restarted orca then schedules at once instead of waiting for them to
// expire) and the agent can clean up; the server stops after them.
func runServer(cfg apiserver.Config, sched *scheduler.Options, ctrl *controller.Options, onReady func(context.Context, *apiserver.Server)) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	serverCtx, stopServer := context.WithCancel(context.Background())
	defer stopServer()
	start := time.Now()
	s, err := apiserver.New(serverCtx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	var components sync.WaitGroup
	run := func(name string, f func() error) {
		components.Add(1)
		go func() {
			defer components.Done()
			if err := f(); err != nil {
				slog.Error(name+" stopped", "err", err)
			}
		}()
	}
	components.Add(1)
	go func() {
		defer components.Done()
		if err := s.WaitReady(ctx); err != nil {
			return
		}
		slog.Info("orca server ready", "url", s.URL(), "kubeconfig", s.KubeconfigPath(), "startup", time.Since(start).Round(time.Millisecond))
		if onReady != nil {
			run("node", func() error { onReady(ctx, s); return nil })
		}
		if sched != nil && ctrl != nil {
			// One cached copy of every pod for both, not one each.
			shared, err := informerset.SharedFor(s.LoopbackConfig(), ctx.Done())
			if err != nil {
				slog.Error("shared informers", "err", err)
				return
			}
			so, co := *sched, *ctrl
			so.Informers, co.Informers = shared, shared
			sched, ctrl = &so, &co
		}
		if sched != nil {
			run("scheduler", func() error { return scheduler.Run(ctx, s.LoopbackConfig(), *sched) })
		}
		if ctrl != nil {
			run("controllers", func() error { return controller.Run(ctx, s.LoopbackConfig(), *ctrl) })
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- s.Run(serverCtx) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stopped := make(chan struct{})
	go func() { components.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(componentStopTimeout):
		slog.Warn("components still stopping; stopping the server anyway", "after", componentStopTimeout)
	}
	stopServer()
	return <-errc
}

// componentStopTimeout bounds how long a stopping server waits for its
// components.
const componentStopTimeout = 10 * time.Second

func setupLogging(level string) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})))
	// client-go logs through klog (leader election, reflectors): one format.
	klog.SetSlogLogger(slog.Default())
}

// setMemoryLimit applies --memory-limit unless GOMEMLIMIT is set. The
// watch cache and the in-process controllers hold a live heap of ~500 MB
// with 10,000 pods, and without a limit the collector lets the heap double
// before each cycle; with 1Gi the server stays near 1.3 GiB there, but
// creates pods ~30% slower (bench controllers), so it is not the default.
func setMemoryLimit(s string) error {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	q, err := resource.ParseQuantity(s)
	if err != nil || q.Sign() < 0 {
		return fmt.Errorf("--memory-limit %q: want a quantity like 1Gi or 0", s)
	}
	if q.IsZero() {
		return nil
	}
	debug.SetMemoryLimit(q.Value())
	return nil
}
