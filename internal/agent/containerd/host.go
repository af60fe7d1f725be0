// Package containerd runs the node's container runtime: a private
// containerd (with runc and the CNI plugins) that the agent configures,
// starts as a child process, restarts when it dies and stops on shutdown.
package containerd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CNIPlugins are the CNI plugin binaries the node's network setup uses.
var CNIPlugins = []string{"bridge", "host-local", "loopback", "portmap"}

// DefaultCNIBinDirs are searched, in order, when no CNI bin dir is given:
// Debian installs the plugins in /usr/lib/cni, upstream's tarball in /opt/cni/bin.
var DefaultCNIBinDirs = []string{"/usr/lib/cni", "/opt/cni/bin"}

// Host looks up the host's prerequisites; tests replace its functions.
type Host struct {
	LookPath   func(file string) (string, error)
	Exists     func(path string) bool
	CNIBinDirs []string // candidates when no dir is named
}

// DefaultHost looks at the real machine.
func DefaultHost() Host {
	return Host{
		LookPath:   exec.LookPath,
		Exists:     func(p string) bool { _, err := os.Stat(p); return err == nil },
		CNIBinDirs: DefaultCNIBinDirs,
	}
}

// CheckHost verifies that this machine can run containers; see Host.Check.
func CheckHost(cniBinDir string) error {
	_, err := DefaultHost().Check(cniBinDir)
	return err
}

// Check verifies the binaries a node needs: containerd (with its ctr),
// runc, the CNI plugins in cniBinDir (or the first default dir that has
// them all, when empty) and nft or iptables. It returns the CNI bin dir to
// use, or one error naming everything missing and the Debian packages that
// provide it.
func (h Host) Check(cniBinDir string) (string, error) {
	var missing, pkgs []string
	need := func(what, pkg string) {
		missing = append(missing, what)
		if len(pkgs) == 0 || pkgs[len(pkgs)-1] != pkg {
			pkgs = append(pkgs, pkg)
		}
	}
	for _, bin := range []struct{ name, pkg string }{
		{"containerd", "containerd"}, {"ctr", "containerd"}, {"containerd-shim-runc-v2", "containerd"}, {"runc", "runc"},
	} {
		if _, err := h.LookPath(bin.name); err != nil {
			need(bin.name, bin.pkg)
		}
	}
	dir, absent := h.findCNI(cniBinDir)
	if len(absent) > 0 {
		need(fmt.Sprintf("CNI plugins (%s) in %s", strings.Join(absent, ", "), dir), "containernetworking-plugins")
	}
	if !h.found("nft") && !h.found("iptables") {
		need("nft or iptables", "nftables")
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("missing host prerequisites: %s; install them with: apt-get install %s",
			strings.Join(missing, ", "), strings.Join(pkgs, " "))
	}
	return dir, nil
}

func (h Host) found(bin string) bool {
	_, err := h.LookPath(bin)
	return err == nil
}

// findCNI returns the CNI bin dir to use and the plugins it lacks. With no
// dir named it picks the first candidate holding every plugin; if none
// does, it reports against all candidates.
func (h Host) findCNI(dir string) (string, []string) {
	if dir != "" {
		return dir, h.absentPlugins(dir)
	}
	for _, d := range h.CNIBinDirs {
		if len(h.absentPlugins(d)) == 0 {
			return d, nil
		}
	}
	return strings.Join(h.CNIBinDirs, " or "), CNIPlugins
}

func (h Host) absentPlugins(dir string) []string {
	var absent []string
	for _, p := range CNIPlugins {
		if !h.Exists(filepath.Join(dir, p)) {
			absent = append(absent, p)
		}
	}
	return absent
}
