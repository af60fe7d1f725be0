package containerd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// configOptions is everything the containerd config file depends on.
type configOptions struct {
	Root, State   string // containerd's persistent and runtime directories
	Address       string // gRPC (and CRI) unix socket
	OptDir        string // the "opt" plugin's install dir; kept private instead of /opt/containerd
	SandboxImage  string
	CNIBinDir     string
	CNIConfDir    string
	StreamPort    int    // CRI streaming server (exec, attach, port-forward) on 127.0.0.1
	Snapshotter   string // "overlayfs" or "native"
	SystemdCgroup bool
}

// renderConfig returns containerd 1.6's config (version 2) for opts. The
// CRI settings are the ones this kind of host needs; see HOST-NOTES.
func renderConfig(o configOptions) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	cri := `[plugins."io.containerd.grpc.v1.cri"`
	line("# Written by the orca agent on every start; edits are lost.")
	line("version = 2")
	line("root = %s", quote(o.Root))
	line("state = %s", quote(o.State))
	// Snapshotters that cannot work here only add errors to the log.
	line(`disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]`)
	line("")
	line("[grpc]")
	line("  address = %s", quote(o.Address))
	line("")
	line(`[plugins."io.containerd.internal.v1.opt"]`)
	line("  path = %s", quote(o.OptDir))
	line("")
	line("%s]", cri)
	line("  sandbox_image = %s", quote(o.SandboxImage))
	line(`  stream_server_address = "127.0.0.1"`)
	line(`  stream_server_port = "%d"`, o.StreamPort)
	// Root here may lack CAP_SYS_RESOURCE: without this runc fails to
	// lower oom_score_adj and every sandbox fails to start.
	line("  restrict_oom_score_adj = true")
	line("  disable_apparmor = true")
	line("  disable_hugetlb_controller = true")
	line("  tolerate_missing_hugetlb_controller = true")
	line("")
	line("%s.containerd]", cri)
	line("  snapshotter = %s", quote(o.Snapshotter))
	line(`  default_runtime_name = "runc"`)
	line("")
	line("%s.containerd.runtimes.runc]", cri)
	line(`  runtime_type = "io.containerd.runc.v2"`)
	line("")
	line("%s.containerd.runtimes.runc.options]", cri)
	line("  SystemdCgroup = %t", o.SystemdCgroup)
	line("")
	line("%s.cni]", cri)
	line("  bin_dir = %s", quote(o.CNIBinDir))
	line("  conf_dir = %s", quote(o.CNIConfDir))
	line("  max_conf_num = 1")
	return b.String()
}

// quote renders s as a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// overlaySupported reports whether an overlay filesystem can be mounted
// under dir: not on every filesystem (overlay on overlay, some container
// roots), and not without privilege. containerd's overlayfs snapshotter
// keeps its layers under dir's filesystem, so that is where to try.
func overlaySupported(dir string) bool {
	tmp, err := os.MkdirTemp(dir, "overlay-probe-")
	if err != nil {
		return false
	}
	defer os.RemoveAll(tmp)
	var sub [4]string
	for i, name := range []string{"lower", "upper", "work", "merged"} {
		sub[i] = filepath.Join(tmp, name)
		if err := os.Mkdir(sub[i], 0o700); err != nil {
			return false
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", sub[0], sub[1], sub[2])
	if err := syscall.Mount("overlay", sub[3], "overlay", 0, opts); err != nil {
		return false
	}
	return syscall.Unmount(sub[3], 0) == nil
}

// systemdIsInit reports whether systemd is PID 1; only then may runc
// delegate cgroups to it (SystemdCgroup), otherwise it writes cgroupfs.
func systemdIsInit() bool {
	comm, err := os.ReadFile("/proc/1/comm")
	return err == nil && strings.TrimSpace(string(comm)) == "systemd"
}
