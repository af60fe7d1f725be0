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
	cmd.AddCommand(api, benchSchedulerCmd(), benchPodsCmd(), benchNodesCmd(), benchControllersCmd(), benchIngressCmd(), benchProxyCmd(), benchDNSCmd())
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

func benchPodsCmd() *cobra.Command {
	o := bench.PodsOptions{}
	cmd := &cobra.Command{
		Use:   "pods",
		Short: "Pod startup on one real node: create -> Running & Ready latency, agent RSS, deletion",
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			o.Binary, o.Progress = self, cmd.ErrOrStderr()
			rep, err := bench.Pods(cmd.Context(), o)
			if rep != nil {
				fmt.Fprintln(cmd.OutOrStdout(), "orca bench pods")
				rep.Print(cmd.OutOrStdout())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Pods, "pods", 100, "pods per round")
	f.IntVar(&o.Parallel, "parallel", 1, "concurrent creators")
	f.DurationSliceVar(&o.Intervals, "interval", []time.Duration{0}, "pause between creates; repeat or comma-separate for several rounds (0: as fast as the API takes them)")
	f.DurationVar(&o.Idle, "idle", 6*time.Second, "idle time after node Ready before reading the agent's RSS")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "longest wait for all pods Ready, and for all gone")
	f.BoolVar(&o.Keep, "keep", false, "keep the temporary directory with the server, agent and containerd logs")
	return cmd
}

func benchNodesCmd() *cobra.Command {
	o := bench.NodesOptions{}
	cmd := &cobra.Command{
		Use:   "nodes",
		Short: "N virtual nodes in one `orca agent --simulate N`: time to Ready, agent RSS and CPU, request rate on the server",
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			o.Binary, o.Progress = self, cmd.ErrOrStderr()
			rep, err := bench.Nodes(cmd.Context(), o)
			if rep != nil {
				fmt.Fprintln(cmd.OutOrStdout(), "orca bench nodes")
				rep.Print(cmd.OutOrStdout())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Nodes, "nodes", 1000, "virtual nodes")
	f.DurationVar(&o.Window, "window", 60*time.Second, "measurement window once all nodes are Ready")
	f.DurationVar(&o.Settle, "settle", 10*time.Second, "wait after all nodes are Ready before the window opens")
	f.IntVar(&o.Pods, "pods", 0, "then create this many pods over the nodes and time them to Running")
	f.BoolVar(&o.Keep, "keep", false, "keep the temporary directory with the server and agent logs")
	return cmd
}

func benchControllersCmd() *cobra.Command {
	o := bench.ControllersOptions{}
	cmd := &cobra.Command{
		Use:   "controllers",
		Short: "A Deployment of R replicas on N virtual nodes: create -> all available, a rolling update, server memory",
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			o.Binary, o.Progress = self, cmd.ErrOrStderr()
			rep, err := bench.Controllers(cmd.Context(), o)
			if rep != nil {
				fmt.Fprintln(cmd.OutOrStdout(), "orca bench controllers")
				rep.Print(cmd.OutOrStdout())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Nodes, "nodes", 1000, "virtual nodes")
	f.IntVar(&o.Replicas, "replicas", 10000, "replicas of the Deployment")
	f.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "longest wait for the creation, and for the rollout")
	f.BoolVar(&o.Keep, "keep", false, "keep the temporary directory with the server and agent logs")
	f.StringVar(&o.ProfileDir, "profile-dir", "", "save the server's CPU profile of the creation, its heap profiles after it and after the rollout (or the idle period), its /metrics at the end, and the agent's CPU and heap profiles in this directory")
	f.StringSliceVar(&o.ServerArgs, "server-arg", nil, "extra flag for orca server, repeatable (e.g. --server-arg=--memory-limit=700Mi)")
	f.DurationVar(&o.Idle, "idle", time.Minute, "after the rollout, keep the cluster idle this long and read the server's memory again (0: skip)")
	return cmd
}

func benchIngressCmd() *cobra.Command {
	o := bench.IngressOptions{}
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "ingress",
		Short: "Requests/s to a local backend through the ingress handler vs directly (target >= 70%) and through a bare TCP relay",
		RunE: func(cmd *cobra.Command, _ []string) error {
			stop, err := startCPUProfile(cpuProfile)
			if err != nil {
				return err
			}
			rep, err := bench.Ingress(cmd.Context(), o)
			stop()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "orca bench ingress")
			rep.Print(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Clients, "clients", 32, "concurrent keep-alive clients")
	f.DurationVar(&o.Duration, "duration", 3*time.Second, "measured time per round, each way")
	f.IntVar(&o.Rounds, "rounds", 3, "rounds, alternating direct and through the ingress")
	f.IntVar(&o.Body, "body", 256, "response body bytes")
	f.StringVar(&cpuProfile, "cpu-profile", "", "write a CPU profile of the whole run (backend, clients and ingress) to this file")
	return cmd
}

func benchProxyCmd() *cobra.Command {
	o := bench.ProxyOptions{}
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Service proxy: full sync (nftables or iptables mode) of S Services x E endpoints in a throwaway netns, then one endpoint change (target <= 100ms)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := bench.Proxy(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "orca bench proxy")
			rep.Print(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Mode, "mode", "nftables", "proxy mode: nftables or iptables")
	f.IntVar(&o.Services, "services", 1000, "Services")
	f.IntVar(&o.Endpoints, "endpoints", 10, "endpoints per Service")
	f.IntVar(&o.Changes, "changes", 20, "single-endpoint changes to time")
	return cmd
}
