package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"

	"orca/internal/controller"
)

// controllerManagerCmd runs the controllers on their own, against any API
// server; `orca server` already runs them in-process.
func controllerManagerCmd() *cobra.Command {
	var kubeconfig, logLevel string
	o := controller.Options{LeaderElect: true}
	cmd := &cobra.Command{
		Use:   "controller-manager",
		Short: "Run the controllers alone against an API server (orca server already runs them)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			setupLogging(logLevel)
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return controller.Run(ctx, cfg, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the API server")
	f.BoolVar(&o.LeaderElect, "leader-elect", true, "take turns with other replicas on the kube-system/kube-controller-manager Lease")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	addControllerFlags(f, &o)
	return cmd
}

// addControllerFlags registers the controllers' settings, with upstream's
// kube-controller-manager flag names and defaults.
func addControllerFlags(f *pflag.FlagSet, o *controller.Options) {
	f.StringVar(&o.ClusterCIDR, "cluster-cidr", "10.244.0.0/16", "CIDR range nodes' pod CIDRs are allocated from (empty: do not allocate)")
	f.IntVar(&o.NodeCIDRMaskSize, "node-cidr-mask-size", 24, "prefix length of each node's pod CIDR")
	f.DurationVar(&o.NodeMonitorGracePeriod, "node-monitor-grace-period", 0, "how long a node may go without a heartbeat before it is marked not ready (default 40s)")
	f.Float32Var(&o.NodeEvictionRate, "node-eviction-rate", 0.1, "nodes per second tainted for eviction in a healthy zone when their kubelets stop")
	f.Float32Var(&o.SecondaryNodeEvictionRate, "secondary-node-eviction-rate", 0.01, "nodes per second tainted for eviction in a large zone that is mostly unhealthy")
	f.IntVar(&o.TerminatedPodGCThreshold, "terminated-pod-gc-threshold", 0, "terminated pods kept before the oldest are deleted (default 12500)")
	f.IntVar(&o.Workers, "concurrent-syncs", 0, "parallel reconciles per workload controller (default 8)")
	f.IntVar(&o.GCWorkers, "concurrent-gc-syncs", 20, "objects the garbage collector deletes or orphans at once")
	f.IntVar(&o.MaxEndpointsPerSlice, "max-endpoints-per-slice", 100, "most endpoints in one EndpointSlice the endpointslice controller writes (1 to 1000)")
}
