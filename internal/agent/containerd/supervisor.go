package containerd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"orca/internal/image/pause"
)

// Config says where and how to run the node's containerd.
type Config struct {
	DataDir      string // the agent's data dir, e.g. /var/lib/orca/agent; containerd's files go in <DataDir>/containerd
	CNIBinDir    string // default: the first of DefaultCNIBinDirs holding the plugins
	CNIConfDir   string // default: <DataDir>/cni/net.d
	SandboxImage string // default: pause.Image
	Logger       *slog.Logger
}

const (
	readyTimeout = 20 * time.Second
	pollInterval = 50 * time.Millisecond
	stopTimeout  = 10 * time.Second
	minBackoff   = 500 * time.Millisecond
	maxBackoff   = 10 * time.Second
	// healthyRun: a containerd that ran this long before dying was healthy,
	// so its restart starts again from the shortest backoff.
	healthyRun = time.Minute
)

var errStopped = errors.New("supervisor stopped")

// Supervisor runs containerd as a child process and restarts it when it dies.
type Supervisor struct {
	opts  configOptions
	paths layout
	log   *slog.Logger

	mu       sync.Mutex
	proc     *process
	stopping bool

	stop     chan struct{} // closed by Stop or when ctx ends
	stopOnce sync.Once
	loopDone chan struct{} // closed when the supervising goroutine returns
}

// process is one run of containerd.
type process struct {
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{} // closed once it has exited and been reaped
	err     error         // its exit status, valid after done
}

// Start checks the host, writes containerd's config, starts containerd,
// waits until its CRI service answers, and keeps it running until ctx ends
// or Stop is called.
func Start(ctx context.Context, cfg Config) (*Supervisor, error) {
	s, err := newSupervisor(cfg)
	if err != nil {
		return nil, err
	}
	p, err := s.launch()
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx, p); err != nil {
		s.terminate(p)
		return nil, err
	}
	s.log.Info("containerd started", "pid", p.cmd.Process.Pid, "endpoint", s.Endpoint(),
		"snapshotter", s.opts.Snapshotter, "startup", time.Since(p.started).Round(time.Millisecond))
	go s.supervise(ctx, p)
	return s, nil
}

// newSupervisor checks the host and the socket, and settles the config.
func newSupervisor(cfg Config) (*Supervisor, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("containerd: DataDir is required")
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	cniBin, err := DefaultHost().Check(cfg.CNIBinDir)
	if err != nil {
		return nil, err
	}
	s := &Supervisor{paths: newLayout(dataDir), log: cfg.Logger, stop: make(chan struct{}), loopDone: make(chan struct{})}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "containerd")
	if err := s.paths.mkdirs(); err != nil {
		return nil, err
	}
	if err := s.paths.claimSocket(); err != nil {
		return nil, err
	}
	// One log per agent run (restarts append to it); keep the previous run's.
	_ = os.Rename(s.paths.log, s.paths.log+".1")
	s.opts, err = s.options(cfg, dataDir, cniBin)
	return s, err
}

// options fills in cfg's defaults and what the host allows.
func (s *Supervisor) options(cfg Config, dataDir, cniBin string) (configOptions, error) {
	o := configOptions{
		Root: s.paths.root, State: s.paths.state, Address: s.paths.socket, OptDir: s.paths.opt,
		SandboxImage: cfg.SandboxImage, CNIBinDir: cniBin, CNIConfDir: cfg.CNIConfDir,
		Snapshotter: "overlayfs", SystemdCgroup: systemdIsInit(),
	}
	if o.SandboxImage == "" {
		o.SandboxImage = pause.Image
	}
	if o.CNIConfDir == "" {
		o.CNIConfDir = filepath.Join(dataDir, "cni", "net.d")
	}
	if err := os.MkdirAll(o.CNIConfDir, 0o755); err != nil {
		return o, err
	}
	if !overlaySupported(s.paths.dir) {
		s.log.Warn("overlay cannot be mounted here; using the slower native snapshotter", "dir", s.paths.dir)
		o.Snapshotter = "native"
	}
	return o, nil
}

// Endpoint is the CRI endpoint, for cri.Connect.
func (s *Supervisor) Endpoint() string { return "unix://" + s.paths.socket }

// Address is containerd's socket path, for ctr --address.
func (s *Supervisor) Address() string { return s.paths.socket }

// Snapshotter is the snapshotter CRI runs containers with.
func (s *Supervisor) Snapshotter() string { return s.opts.Snapshotter }

// PID is the current containerd's process id (0 between restarts).
func (s *Supervisor) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || s.proc.exited() {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// Stop ends supervision and shuts containerd down: SIGTERM, then SIGKILL
// after 10 s. Running containers keep running under their shims; the next
// containerd recovers them.
func (s *Supervisor) Stop() {
	s.markStopping()
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	s.terminate(p)
	<-s.loopDone
}

func (s *Supervisor) markStopping() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopping = true
		s.mu.Unlock()
		close(s.stop)
	})
}

// launch writes a fresh config (a new free stream port each time, since the
// last one may have been taken meanwhile) and starts containerd.
func (s *Supervisor) launch() (*process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil, errStopped
	}
	if err := s.paths.claimSocket(); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	opts := s.opts
	opts.StreamPort = port
	if err := os.WriteFile(s.paths.config, []byte(renderConfig(opts)), 0o600); err != nil {
		return nil, err
	}
	p, err := s.spawn()
	if err != nil {
		return nil, err
	}
	s.proc = p
	return p, nil
}

// spawn runs `containerd --config <file>` with output appended to its log.
// It gets its own process group so that a Ctrl-C meant for the agent does
// not reach it: the agent decides when containerd stops.
func (s *Supervisor) spawn() (*process, error) {
	logFile, err := os.OpenFile(s.paths.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command("containerd", "--config", s.paths.config)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start containerd: %w", err)
	}
	p := &process{cmd: cmd, started: time.Now(), done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := os.WriteFile(s.paths.pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		s.log.Warn("cannot write pid file", "err", err)
	}
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// terminate stops p gracefully, or forcibly after stopTimeout.
func (s *Supervisor) terminate(p *process) {
	if p == nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(stopTimeout):
	}
	s.log.Warn("containerd ignored SIGTERM; killing it", "pid", p.cmd.Process.Pid, "after", stopTimeout)
	_ = p.cmd.Process.Kill()
	<-p.done
}

// freePort asks the kernel for a TCP port free on loopback right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port for containerd's stream server: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
