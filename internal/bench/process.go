// Package bench measures orca the way its issues state targets: a real
// server process, real client-go clients, numbers a person can rerun.
package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// serverProcess is an `orca server` child process.
type serverProcess struct {
	cmd     *exec.Cmd
	dataDir string
	port    int
	started time.Time
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startServer runs the orca binary at bin as a server on a free port.
func startServer(bin, dataDir string, extra ...string) (*serverProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{"server", "--data-dir", dataDir, "--secure-port", strconv.Itoa(port), "--bind-address", "127.0.0.1", "--log-level", "warn"}, extra...)
	cmd := exec.Command(bin, args...)
	logf, err := os.Create(filepath.Join(filepath.Dir(dataDir), "server.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	p := &serverProcess{cmd: cmd, dataDir: dataDir, port: port, started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// startReadyServer starts a server (startServer), waits for /readyz and
// makes a client of it without client-side rate limits; on error the
// server is stopped.
func startReadyServer(ctx context.Context, bin, dataDir string, extra ...string) (*serverProcess, kubernetes.Interface, error) {
	srv, err := startServer(bin, dataDir, extra...)
	if err != nil {
		return nil, nil, err
	}
	cs, err := srv.readyClient(ctx)
	if err != nil {
		srv.stop()
		return nil, nil, err
	}
	return srv, cs, nil
}

func (p *serverProcess) readyClient(ctx context.Context) (kubernetes.Interface, error) {
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := p.waitReady(rctx); err != nil {
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", p.kubeconfig())
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = -1, -1
	return kubernetes.NewForConfig(cfg)
}

// waitReady polls /readyz and returns the time from process start to ok.
func (p *serverProcess) waitReady(ctx context.Context) (time.Duration, error) {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback probe only
	url := fmt.Sprintf("https://127.0.0.1:%d/readyz", p.port)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.started), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("server not ready: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// memory is a process's resident memory split by kind, from /proc/PID/smaps.
type memory struct {
	RSS, Anon, File int64 // bytes resident: all, anonymous, file-backed (the binary)
	Referenced      int64 // bytes touched since clearRefs: the working set
}

// clearRefs resets the kernel's referenced bits so memory() can tell which
// pages the process touches from now on.
func (p *serverProcess) clearRefs() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("1"), 0)
}

func (p *serverProcess) memory() (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", p.cmd.Process.Pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	file := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-"):
			file = len(fields) >= 6 && strings.HasPrefix(fields[5], "/")
		case len(fields) == 3 && fields[0] == "Rss:":
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			m.RSS += kb << 10
			if file {
				m.File += kb << 10
			} else {
				m.Anon += kb << 10
			}
		case len(fields) == 3 && fields[0] == "Referenced:":
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			m.Referenced += kb << 10
		}
	}
	return m, sc.Err()
}

func (p *serverProcess) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

func (p *serverProcess) kubeconfig() string { return filepath.Join(p.dataDir, "admin.kubeconfig") }
