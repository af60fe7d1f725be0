package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

// kubectlCmd only documents `orca kubectl`; main hands those arguments to
// runKubectl before cobra parses anything.
func kubectlCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "kubectl",
		Short:              "Run kubectl against this cluster (uses the server's admin kubeconfig when KUBECONFIG is unset)",
		DisableFlagParsing: true,
		Run:                func(*cobra.Command, []string) {},
	}
}

// runKubectl runs the embedded kubectl. Like `k3s kubectl`, it defaults to
// the admin kubeconfig of a local server when KUBECONFIG is not set and
// --kubeconfig is not given.
func runKubectl(args []string) int {
	if os.Getenv("KUBECONFIG") == "" && !hasKubeconfigFlag(args) {
		dir := os.Getenv("ORCA_DATA_DIR")
		if dir == "" {
			dir = "/var/lib/orca"
		}
		if p := filepath.Join(dir, "admin.kubeconfig"); fileExists(p) {
			os.Setenv("KUBECONFIG", p)
		}
	}
	// kubectl reads its command line from os.Args: its name for hints
	// ("e.g. 'kubectl get resource/<resource_name>'"), edit's retry advice
	// and --record's change-cause, and the words that name a plugin
	// (`orca kubectl foo` runs kubectl-foo from PATH). Make it the command
	// line kubectl would have had.
	os.Args = append([]string{"kubectl"}, args...)
	cmd := kubectlcmd.NewDefaultKubectlCommand()
	cmd.SetArgs(args)
	// As kubectl's own main: component-base's runner adds the logging flags
	// (-v, --vmodule) and leaves printing the error to CheckErr, once.
	if err := cli.RunNoErrOutput(cmd); err != nil {
		util.CheckErr(err)
		return 1
	}
	return 0
}

func hasKubeconfigFlag(args []string) bool {
	for _, a := range args {
		if a == "--kubeconfig" || len(a) > 13 && a[:13] == "--kubeconfig=" {
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
