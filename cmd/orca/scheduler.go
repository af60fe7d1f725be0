package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"orca/internal/scheduler"
	"orca/internal/scheduler/config"
)

// schedulerCmd runs the scheduler on its own, against any API server;
// `orca server` already runs one in-process.
func schedulerCmd() *cobra.Command {
	var kubeconfig, logLevel, configFile, cpuProfile string
	var o scheduler.Options
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Run the scheduler alone against an API server (orca server already runs one)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			setupLogging(logLevel)
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return err
			}
			if configFile != "" {
				c, err := config.Load(configFile)
				if err != nil {
					return err
				}
				o = o.WithConfig(c)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			stopProfile, err := startCPUProfile(cpuProfile)
			if err != nil {
				return err
			}
			defer stopProfile()
			return scheduler.Run(ctx, cfg, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the API server")
	f.BoolVar(&o.LeaderElect, "leader-elect", true, "take turns with other replicas on the kube-system/kube-scheduler Lease")
	f.Int32Var(&o.PercentageOfNodesToScore, "percentage-of-nodes-to-score", 0, "share of feasible nodes to find before scoring (0: adaptive, as upstream)")
	f.StringVar(&configFile, "config", "", "KubeSchedulerConfiguration file: plugin weights, scoring strategy, percentageOfNodesToScore")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&cpuProfile, "cpu-profile", os.Getenv("ORCA_SCHEDULER_CPU_PROFILE"), "write a CPU profile to this file until exit")
	return cmd
}
