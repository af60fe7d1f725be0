// Package streamtest is a fake CRI streaming server for tests. The
// simulated runtime has no streaming server; Runtime wraps any CRI runtime
// so that Exec, Attach and PortForward return URLs on a Server, which
// answers them over SPDY the way containerd's streaming server does
// (remote command v4, portforward.k8s.io).
//
// Exec runs a tiny script language instead of a process:
//
//	echo ARGS...   prints ARGS and a newline on stdout, exits 0
//	cat            copies stdin to stdout until stdin ends, exits 0
//	stderr ARGS... prints ARGS and a newline on stderr, exits 0
//	exit N         exits with N
//	size           prints the first terminal size ("WxH\n"), exits 0
//
// anything else prints "<cmd>: not found" on stderr and exits 127. Attach
// behaves like cat. Port-forward echoes every connection's bytes back.
package streamtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/kubelet/cri"
)

// Server is a fake streaming server on 127.0.0.1.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	seq      int
	sessions map[string]session
}

// session is what one streaming URL was issued for.
type session struct {
	cmd                        []string // nil for attach
	stdin, stdout, stderr, tty bool
}

// NewServer starts a server; Close stops it.
func NewServer() *Server {
	s := &Server{sessions: map[string]session{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/exec/{token}", s.serveRemoteCommand)
	mux.HandleFunc("/attach/{token}", s.serveRemoteCommand)
	mux.HandleFunc("/portforward/{token}", s.servePortForward)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) issue(kind string, sess session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	token := strconv.Itoa(s.seq)
	s.sessions[token] = sess
	return s.srv.URL + "/" + kind + "/" + token
}

// take returns a session once, like the runtime's single-use tokens.
func (s *Server) take(token string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[token]
	delete(s.sessions, token)
	return sess, ok
}

// Runtime is a CRI runtime whose streaming calls are served by Streams.
type Runtime struct {
	cri.Runtime
	Streams *Server
}

// Exec issues an exec URL for the request's command and streams.
func (r *Runtime) Exec(ctx context.Context, req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	if _, err := r.ContainerStatus(ctx, req.ContainerId, false); err != nil {
		return nil, err
	}
	cmd := req.Cmd
	if cmd == nil {
		cmd = []string{}
	}
	url := r.Streams.issue("exec", session{cmd: cmd, stdin: req.Stdin, stdout: req.Stdout, stderr: req.Stderr, tty: req.Tty})
	return &runtimeapi.ExecResponse{Url: url}, nil
}

// Attach issues an attach URL (the attached process echoes stdin).
func (r *Runtime) Attach(ctx context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	if _, err := r.ContainerStatus(ctx, req.ContainerId, false); err != nil {
		return nil, err
	}
	url := r.Streams.issue("attach", session{stdin: req.Stdin, stdout: req.Stdout, stderr: req.Stderr, tty: req.Tty})
	return &runtimeapi.AttachResponse{Url: url}, nil
}

// PortForward issues a port-forward URL for the sandbox.
func (r *Runtime) PortForward(ctx context.Context, req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	if _, err := r.PodSandboxStatus(ctx, req.PodSandboxId, false); err != nil {
		return nil, err
	}
	return &runtimeapi.PortForwardResponse{Url: r.Streams.issue("portforward", session{})}, nil
}
