package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"orca/internal/apiserver"
	"orca/internal/controller"
	"orca/internal/scheduler"
	"orca/internal/scheduler/config"
)

func serverCmd() *cobra.Command {
	var cfg apiserver.Config
	var bind, advertise, etcdServers string
	var logLevel string
	var disableScheduler bool
	var schedulerConfig string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the control plane: API server on etcd (embedded unless --etcd-servers is given)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			setupLogging(logLevel)
			cfg.BindAddress = net.ParseIP(bind)
			if cfg.BindAddress == nil {
				return fmt.Errorf("--bind-address %q is not an IP address", bind)
			}
			if advertise != "" {
				if cfg.AdvertiseAddress = net.ParseIP(advertise); cfg.AdvertiseAddress == nil {
					return fmt.Errorf("--advertise-address %q is not an IP address", advertise)
				}
			}
			if etcdServers != "" {
				cfg.Etcd.Servers = strings.Split(etcdServers, ",")
			}
			var sched *scheduler.Options
			if !disableScheduler {
				sched = &scheduler.Options{LeaderElect: true}
				if schedulerConfig != "" {
					c, err := config.Load(schedulerConfig)
					if err != nil {
						return err
					}
					*sched = sched.WithConfig(c)
				}
			}
			return runServer(cfg, sched)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "/var/lib/orca", "directory for etcd data, certificates and the admin kubeconfig")
	f.StringVar(&bind, "bind-address", "0.0.0.0", "IP address to serve HTTPS on")
	f.IntVar(&cfg.SecurePort, "secure-port", 6443, "port to serve HTTPS on (0 picks a free one)")
	f.StringVar(&advertise, "advertise-address", "", "IP address clients and the kubernetes Service use to reach this server")
	f.StringVar(&etcdServers, "etcd-servers", "", "comma-separated URLs of an external etcd cluster (default: embedded etcd)")
	f.StringVar(&cfg.Etcd.CAFile, "etcd-cafile", "", "CA bundle to verify the external etcd servers")
	f.StringVar(&cfg.Etcd.CertFile, "etcd-certfile", "", "client certificate for the external etcd")
	f.StringVar(&cfg.Etcd.KeyFile, "etcd-keyfile", "", "client key for the external etcd")
	f.StringVar(&cfg.ServiceClusterIPRange, "service-cluster-ip-range", "10.96.0.0/12", "CIDR Service cluster IPs are allocated from")
	f.StringVar(&cfg.ServiceNodePortRange, "service-node-port-range", "30000-32767", "port range NodePorts are allocated from")
	f.StringVar(&cfg.CertDir, "cert-dir", "", "directory for generated certificates (default <data-dir>/tls)")
	f.StringVar(&cfg.TLSCertFile, "tls-cert-file", "", "serving certificate (default: generated, signed by the cluster CA)")
	f.StringVar(&cfg.TLSKeyFile, "tls-private-key-file", "", "key of --tls-cert-file")
	f.StringVar(&cfg.ClientCAFile, "client-ca-file", "", "CA that signs client certificates (default: the cluster CA)")
	f.StringVar(&cfg.KubeconfigOut, "write-kubeconfig", "", "where to write the admin kubeconfig (default <data-dir>/admin.kubeconfig)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&disableScheduler, "disable-scheduler", false, "do not run the in-process scheduler (run `orca scheduler` elsewhere)")
	f.StringVar(&schedulerConfig, "scheduler-config", "", "KubeSchedulerConfiguration file for the in-process scheduler")
	return cmd
}

// runServer serves until a signal; a nil sched means no in-process scheduler.
func runServer(cfg apiserver.Config, sched *scheduler.Options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	s, err := apiserver.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	go func() {
		if err := s.WaitReady(ctx); err != nil {
			return
		}
		slog.Info("orca server ready", "url", s.URL(), "kubeconfig", s.KubeconfigPath(), "startup", time.Since(start).Round(time.Millisecond))
		if sched != nil {
			go func() {
				if err := scheduler.Run(ctx, s.LoopbackConfig(), *sched); err != nil {
					slog.Error("scheduler stopped", "err", err)
				}
			}()
		}
		if err := controller.Run(ctx, s.LoopbackConfig()); err != nil {
			slog.Error("controllers stopped", "err", err)
		}
	}()
	return s.Run(ctx)
}

func setupLogging(level string) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})))
	// client-go logs through klog (leader election, reflectors): one format.
	klog.SetSlogLogger(slog.Default())
}
