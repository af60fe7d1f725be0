package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"orca/internal/bench"
)

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Run orca's benchmarks against fresh local processes"}
	o := bench.APIServerOptions{}
	api := &cobra.Command{
		Use:   "apiserver",
		Short: "Server startup time, idle RSS, concurrent write latency and watch fan-out",
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			o.Binary = self
			rep, err := bench.APIServer(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "orca bench apiserver")
			rep.Print(cmd.OutOrStdout())
			return nil
		},
	}
	f := api.Flags()
	f.DurationVar(&o.Idle, "idle", 10*time.Second, "idle time before reading RSS")
	f.IntVar(&o.Clients, "clients", 50, "concurrent writing clients")
	f.IntVar(&o.WritesPerUser, "writes", 100, "ConfigMaps each client creates")
	f.IntVar(&o.Watchers, "watchers", 1000, "concurrent pod watchers")
	f.IntVar(&o.WatchWrites, "watch-writes", 100, "pods created while watched")
	cmd.AddCommand(api, benchSchedulerCmd())
	return cmd
}

func benchSchedulerCmd() *cobra.Command {
	o := bench.SchedulerOptions{}
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Scheduling throughput and CPU per pod: N nodes, M pending pods, then `orca scheduler`",
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			o.Binary = self
			rep, err := bench.Scheduler(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "orca bench scheduler")
			rep.Print(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Nodes, "nodes", 1000, "Node objects to create")
	f.IntVar(&o.Pods, "pods", 10000, "pods to schedule")
	f.IntVar(&o.Clients, "clients", 50, "concurrent creators")
	f.StringVar(&o.Workload, "workload", "plain", "plain, anti-affinity (required, per group of 10 pods, on hostname) or spread (zones, maxSkew 1)")
	return cmd
}
