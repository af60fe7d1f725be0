// Package buildinfo says which orca this is and which Kubernetes API it serves.
package buildinfo

import (
	"runtime"

	"k8s.io/apimachinery/pkg/version"
)

// Set at build time with -ldflags "-X orca/internal/buildinfo.gitCommit=...".
var (
	orcaVersion = "0.1.0"
	gitCommit   = "unknown"
	buildDate   = "1970-01-01T00:00:00Z"
)

// KubernetesVersion is the API version orca serves (k8s.io/api in go.mod).
const (
	kubeMajor = "1"
	kubeMinor = "37"
	kubePatch = "2"
)

// Version is what /version and `orca version` report: the Kubernetes
// version served, tagged with orca's own, like k3s's v1.30.2+k3s1.
func Version() version.Info {
	return version.Info{
		Major: kubeMajor, Minor: kubeMinor,
		GitVersion:   "v" + kubeMajor + "." + kubeMinor + "." + kubePatch + "+orca-" + orcaVersion,
		GitCommit:    gitCommit,
		GitTreeState: "clean",
		BuildDate:    buildDate,
		GoVersion:    runtime.Version(),
		Compiler:     runtime.Compiler,
		Platform:     runtime.GOOS + "/" + runtime.GOARCH,
	}
}

// OrcaVersion is orca's own release.
func OrcaVersion() string { return orcaVersion }
