// Command orca is a container orchestrator that speaks the Kubernetes API.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	// `orca kubectl ...` hands its arguments to kubectl untouched.
	if len(os.Args) > 1 && os.Args[1] == "kubectl" {
		os.Exit(runKubectl(os.Args[2:]))
	}
	root := &cobra.Command{
		Use:           "orca",
		Short:         "A light, fast container orchestrator that speaks the Kubernetes API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serverCmd(), upCmd(), agentCmd(), schedulerCmd(), controllerManagerCmd(), kubectlCmd(), versionCmd(), benchCmd())
	root.AddCommand(imageCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
