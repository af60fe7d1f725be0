package containerd

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"orca/internal/kubelet/cri"
)

// supervise waits for containerd to exit and starts it again, with a
// backoff from 0.5 s doubling to 10 s, until Stop or the end of ctx.
func (s *Supervisor) supervise(ctx context.Context, p *process) {
	defer close(s.loopDone)
	backoff := minBackoff
	for {
		if p != nil {
			if !s.waitExit(ctx, p) {
				return
			}
			if time.Since(p.started) >= healthyRun {
				backoff = minBackoff
			}
			s.log.Warn("containerd exited; restarting", "err", p.err, "ran", time.Since(p.started).Round(time.Millisecond), "in", backoff)
		}
		if !s.sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
		p = s.restart(ctx)
	}
}

// waitExit returns true when p exits on its own, false when supervision
// ends (shutting containerd down if it ends because ctx did).
func (s *Supervisor) waitExit(ctx context.Context, p *process) bool {
	select {
	case <-p.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return !s.stopping
	case <-s.stop:
		return false // Stop terminates the process itself
	case <-ctx.Done():
		s.markStopping()
		s.terminate(p)
		return false
	}
}

func (s *Supervisor) sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-s.stop:
		return false
	case <-ctx.Done():
		s.markStopping()
		return false
	}
}

// restart launches containerd again and waits for it to serve. A run that
// fails to come up is killed and reported as nil, so the loop backs off.
func (s *Supervisor) restart(ctx context.Context) *process {
	p, err := s.launch()
	if err != nil {
		if err != errStopped {
			s.log.Error("cannot restart containerd", "err", err)
		}
		return nil
	}
	if err := s.waitReady(ctx, p); err != nil {
		if err != errStopped && ctx.Err() == nil {
			s.log.Error("restarted containerd does not serve; killing it", "err", err)
		}
		s.terminate(p)
		return nil
	}
	s.log.Info("containerd restarted", "pid", p.cmd.Process.Pid, "startup", time.Since(p.started).Round(time.Millisecond))
	return p
}

// waitReady polls until containerd's CRI service answers Version.
func (s *Supervisor) waitReady(ctx context.Context, p *process) error {
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		if lastErr = s.ping(ctx); lastErr == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("containerd exited while starting (%v); the end of %s:\n%s", p.err, s.paths.log, tail(s.paths.log, 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-s.stop:
			return errStopped
		case <-time.After(pollInterval):
		}
	}
	return fmt.Errorf("containerd did not answer CRI Version within %s: %v; the end of %s:\n%s",
		readyTimeout, lastErr, s.paths.log, tail(s.paths.log, 20))
}

// ping asks the CRI service for its version. A plain dial comes first:
// it is cheap while the socket does not exist yet, and it spares the gRPC
// client its reconnect backoff.
func (s *Supervisor) ping(ctx context.Context) error {
	conn, err := net.DialTimeout("unix", s.paths.socket, time.Second)
	if err != nil {
		return err
	}
	conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	rt, err := cri.Connect(ctx, s.Endpoint())
	if err != nil {
		return err
	}
	defer rt.Close(ctx)
	_, err = rt.Version(ctx, "")
	return err
}

// tail returns the last n lines of a file (within its last 8 KiB), for
// error messages: the log keeps every run's output.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 8<<10 {
		f.Seek(st.Size()-8<<10, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
