package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"orca/internal/bench"
)

func benchDNSCmd() *cobra.Command {
	o := bench.DNSOptions{}
	cmd := &cobra.Command{
		Use:   "dns",
		Short: "Cluster DNS: queries/s and p50/p99 latency for cluster names, N synthetic Services, loopback UDP load",
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := bench.DNS(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "orca bench dns")
			rep.Print(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Services, "services", 1000, "synthetic Services")
	f.IntVar(&o.EndpointsPer, "endpoints", 10, "endpoints per Service")
	f.IntVar(&o.Clients, "clients", 16, "concurrent UDP clients (closed loop)")
	f.DurationVar(&o.Duration, "duration", 5*time.Second, "measured time")
	return cmd
}
