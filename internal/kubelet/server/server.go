package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"

	"orca/internal/kubelet/cri"
)

// DefaultPort is the kubelet's HTTPS port, as upstream.
const DefaultPort = 10250

// PodSource is what the server needs from the kubelet core.
type PodSource interface {
	// GetPod returns a pod bound to this node.
	GetPod(namespace, name string) (*v1.Pod, bool)
	// ContainerID returns the runtime ID of a container of pod (the last
	// terminated instance if previous). The error is the message a user
	// sees, e.g. container "x" in pod "y" is waiting to start: ContainerCreating.
	ContainerID(pod *v1.Pod, container string, previous bool) (string, error)
	// Pods returns the pods bound to this node.
	Pods() []*v1.Pod
}

// Config configures the kubelet server.
type Config struct {
	Addr        string // listen address for ListenAndServe; default ":10250"
	ServingCert tls.Certificate
	ClientCA    *x509.CertPool // verifies client certificates; nil refuses everyone
	Runtime     cri.Runtime
	Pods        PodSource
	NodeName    string
	Logger      *slog.Logger
}

// Server serves the kubelet API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
	// runtimeTransport reaches the runtime's streaming server.
	runtimeTransport *http.Transport

	cpuMu   sync.Mutex
	lastCPU cpuSample // the previous node CPU reading, for usageNanoCores
}

// New builds a server; Serve or ListenAndServe runs it.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Addr == "" {
		cfg.Addr = ":" + strconv.Itoa(DefaultPort)
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "kubelet-server"), runtimeTransport: newRuntimeTransport()}
	s.lastCPU, _ = readNodeCPU()
	s.handler = s.withAuth(s.routes())
	return s
}

// Handler is the full request chain (authentication included).
func (s *Server) Handler() http.Handler { return s.handler }

// TLSConfig is the server's TLS configuration: client certificates are
// requested but verified by the handler, so a bad one gets a 401 Status
// instead of a failed handshake.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{s.cfg.ServingCert},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
		// HTTP/1.1 only: exec, attach and port-forward hijack the connection.
		NextProtos: []string{"http/1.1"},
	}
}

// ListenAndServe listens on Config.Addr and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves HTTPS on ln until ctx ends; it closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		// Requests live no longer than the server: followed logs and
		// streaming sessions (hijacked, so Shutdown does not see them) end
		// with ctx.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(tls.NewListener(ln, s.TLSConfig())) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); errors.Is(err, context.DeadlineExceeded) {
		return srv.Close()
	} else if err != nil {
		return err
	}
	return nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", serveHealthz)
	mux.HandleFunc("GET /pods", s.servePods)
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", s.serveContainerLogs)
	mux.HandleFunc("GET /stats/summary", s.serveStatsSummary)
	for _, m := range []string{"GET", "POST"} {
		mux.HandleFunc(m+" /exec/{ns}/{pod}/{container}", s.serveExec)
		mux.HandleFunc(m+" /exec/{ns}/{pod}/{uid}/{container}", s.serveExec)
		mux.HandleFunc(m+" /attach/{ns}/{pod}/{container}", s.serveAttach)
		mux.HandleFunc(m+" /attach/{ns}/{pod}/{uid}/{container}", s.serveAttach)
		mux.HandleFunc(m+" /portForward/{ns}/{pod}", s.servePortForward)
		mux.HandleFunc(m+" /portForward/{ns}/{pod}/{uid}", s.servePortForward)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newStatus(http.StatusNotFound, "NotFound", "the server could not find the requested resource"))
	})
	return mux
}

func serveHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok"))
}

func (s *Server) servePods(w http.ResponseWriter, r *http.Request) {
	list := &v1.PodList{}
	list.Kind, list.APIVersion = "PodList", "v1"
	for _, p := range s.cfg.Pods.Pods() {
		list.Items = append(list.Items, *p)
	}
	writeJSON(w, http.StatusOK, list)
}
