package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"orca/internal/buildinfo"
)

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print orca's version and the Kubernetes API version it serves",
		Run: func(cmd *cobra.Command, _ []string) {
			v := buildinfo.Version()
			fmt.Fprintf(cmd.OutOrStdout(), "orca version %s\nKubernetes API %s\ngit commit %s\ngo %s %s\n",
				buildinfo.OrcaVersion(), v.GitVersion, v.GitCommit, v.GoVersion, v.Platform)
		},
	}
}
