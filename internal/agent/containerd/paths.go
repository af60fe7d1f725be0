package containerd

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxSocketPath is the longest unix socket path the kernel takes
// (sun_path is 108 bytes with its NUL).
const maxSocketPath = 107

// ttrpcSuffix: containerd also listens on <address>.ttrpc, which must fit too.
const ttrpcSuffix = ".ttrpc"

// fallbackSocketDir holds sockets whose natural path would be too long.
const fallbackSocketDir = "/run/orca"

// SocketPath is where the containerd that an agent with agentDataDir (e.g.
// /var/lib/orca/agent) runs serves gRPC and CRI: <agentDataDir>/containerd/containerd.sock,
// or, when that path is too long for a unix socket, /run/orca/<hash of
// agentDataDir>/containerd.sock.
func SocketPath(agentDataDir string) string {
	if abs, err := filepath.Abs(agentDataDir); err == nil {
		agentDataDir = abs
	}
	p := filepath.Join(agentDataDir, "containerd", "containerd.sock")
	if len(p)+len(ttrpcSuffix) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(agentDataDir))
	return filepath.Join(fallbackSocketDir, hex.EncodeToString(sum[:6]), "containerd.sock")
}

// layout is where a supervised containerd keeps its files.
type layout struct {
	dir     string // <DataDir>/containerd
	config  string
	log     string
	pidFile string
	root    string
	state   string
	opt     string
	socket  string
}

func newLayout(dataDir string) layout {
	dir := filepath.Join(dataDir, "containerd")
	return layout{
		dir:     dir,
		config:  filepath.Join(dir, "config.toml"),
		log:     filepath.Join(dir, "containerd.log"),
		pidFile: filepath.Join(dir, "containerd.pid"),
		root:    filepath.Join(dir, "root"),
		state:   filepath.Join(dir, "state"),
		opt:     filepath.Join(dir, "opt"),
		socket:  SocketPath(dataDir),
	}
}

func (l layout) mkdirs() error {
	for _, d := range []string{l.dir, l.root, l.state, l.opt, filepath.Dir(l.socket)} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return err
		}
	}
	return nil
}

// claimSocket makes sure nobody serves the socket: it refuses if a process
// answers on it, and removes it if it is a leftover of a dead containerd.
func (l layout) claimSocket() error {
	conn, err := net.DialTimeout("unix", l.socket, time.Second)
	if err == nil {
		conn.Close()
		return fmt.Errorf("another process already serves %s%s: stop it first (a containerd or orca agent left running?), "+
			"or use it with --container-runtime-endpoint unix://%s", l.socket, l.recordedPID(), l.socket)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		if err := os.Remove(l.socket); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove stale socket: %w", err)
		}
		return nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("check socket %s: %w", l.socket, err)
}

// recordedPID names the containerd we last started, if the pid file says so.
func (l layout) recordedPID() string {
	b, err := os.ReadFile(l.pidFile)
	if err != nil {
		return ""
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || syscall.Kill(pid, 0) != nil {
		return ""
	}
	return fmt.Sprintf(" (pid %d, started from %s, is alive)", pid, l.dir)
}
