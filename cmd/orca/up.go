package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"orca/internal/agent"
	"orca/internal/apiserver"
)

func upCmd() *cobra.Command {
	var sf serverFlags
	var a agentFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run a single-node cluster: the server and a node agent in one process",
		Long: `Run the control plane and a node agent in one process: the one-command cluster.
The node registers, becomes Ready and is labelled node-role.kubernetes.io/control-plane.
With --simulate N, N virtual nodes join besides it.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			setupLogging(sf.logLevel)
			cfg, sched, err := sf.finish()
			if err != nil {
				return err
			}
			if err := a.finish(); err != nil {
				return err
			}
			if !cmd.Flags().Changed("agent-data-dir") {
				a.cfg.DataDir = cfg.DataDir + "/agent"
			}
			if a.cfg.Labels == nil {
				a.cfg.Labels = map[string]string{}
			}
			a.cfg.Labels["node-role.kubernetes.io/control-plane"] = ""
			a.cfg.ServiceCIDR, a.cfg.ClusterCIDR = cfg.ServiceClusterIPRange, sf.controllers.ClusterCIDR
			return runServer(cfg, sched, sf.controllerOptions(), func(ctx context.Context, s *apiserver.Server) {
				runAgents(ctx, s, a.cfg)
			})
		},
	}
	sf.add(cmd.Flags())
	a.add(cmd.Flags(), "/var/lib/orca")
	return cmd
}

// runAgents starts the real node (and any virtual ones) against the
// in-process server; a failing agent stops the whole process, since a
// cluster without its node is not what `orca up` promised.
func runAgents(ctx context.Context, s *apiserver.Server, cfg agent.Config) {
	cfg.Rest, cfg.ClusterCA = s.LoopbackConfig(), s.ClusterCA()
	cfg.Logger = slog.Default()
	if n := cfg.Simulate; n > 0 {
		sim := cfg
		sim.Labels = nil
		go func() {
			if err := agent.RunSimulated(ctx, sim); err != nil {
				slog.Error("virtual nodes stopped", "err", err)
			}
		}()
	}
	cfg.Simulate = 0
	fmt.Fprintf(os.Stderr, "\norca is up. Use the cluster with:\n  orca kubectl get nodes\n  (or: export KUBECONFIG=%s; kubectl get nodes)\n\n", s.KubeconfigPath())
	if err := agent.Run(ctx, cfg); err != nil && ctx.Err() == nil {
		slog.Error("node agent stopped", "err", err)
		p, _ := os.FindProcess(os.Getpid())
		p.Signal(os.Interrupt)
	}
}
