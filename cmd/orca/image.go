package main

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"orca/internal/agent/containerd"
	"orca/internal/image"
)

func imageCmd() *cobra.Command {
	var dataDir, address string
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Import and list images in the node's containerd (no registry needed)",
	}
	f := cmd.PersistentFlags()
	f.StringVar(&dataDir, "data-dir", "/var/lib/orca", "orca's data dir; the agent's containerd socket is found under <data-dir>/agent")
	f.StringVar(&address, "address", "", "containerd socket to use instead of the agent's")
	socket := func() string {
		if address != "" {
			return address
		}
		return containerd.SocketPath(filepath.Join(dataDir, "agent"))
	}

	importCmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import docker-archive or OCI tarballs (docker save, ctr export) into containerd's k8s.io namespace",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return image.ImportFiles(cmd.Context(), socket(), args, cmd.OutOrStdout())
		},
	}

	var endpoint string
	lsCmd := &cobra.Command{
		Use:   "ls",
		Short: "List the images the container runtime has, like crictl images",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if endpoint == "" {
				endpoint = "unix://" + socket()
			}
			return image.PrintImages(cmd.Context(), endpoint, cmd.OutOrStdout())
		},
	}
	lsCmd.Flags().StringVar(&endpoint, "container-runtime-endpoint", "", "CRI endpoint (default: unix://<containerd socket>)")

	cmd.AddCommand(importCmd, lsCmd)
	return cmd
}
