package containerd

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSocketPath(t *testing.T) {
	if got := SocketPath("/var/lib/orca/agent"); got != "/var/lib/orca/agent/containerd/containerd.sock" {
		t.Errorf("SocketPath = %s", got)
	}
	long := "/tmp/" + strings.Repeat("x", 90) + "/agent"
	got := SocketPath(long)
	if !strings.HasPrefix(got, "/run/orca/") || len(got)+len(ttrpcSuffix) > maxSocketPath {
		t.Errorf("SocketPath(long) = %s, want a short path under /run/orca", got)
	}
	if SocketPath(long) != got || SocketPath(long+"2") == got {
		t.Error("fallback socket paths must be stable per data dir and distinct between them")
	}
}

func TestClaimSocket(t *testing.T) {
	dir := t.TempDir()
	l := newLayout(dir)
	if err := os.MkdirAll(filepath.Dir(l.socket), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := l.claimSocket(); err != nil {
		t.Fatalf("no socket yet: %v", err)
	}

	ln, err := net.Listen("unix", l.socket)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.claimSocket(); err == nil || !strings.Contains(err.Error(), "another process already serves") {
		t.Fatalf("served socket: err = %v", err)
	}

	// A listener closed without unlinking leaves a stale file, as a killed containerd does.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if err := l.claimSocket(); err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	if _, err := os.Stat(l.socket); !os.IsNotExist(err) {
		t.Errorf("stale socket not removed: %v", err)
	}
}
