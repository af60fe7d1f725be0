package apiserver

import (
	"crypto/tls"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/version"

	"orca/internal/buildinfo"
)

// serveHealth answers /healthz, /livez, /readyz (with ?verbose) and /version.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	if p == "/version" || p == "/version/" {
		v := buildinfo.Version()
		s.writeJSON(w, http.StatusOK, &v)
		return true
	}
	name := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 2)[0]
	checks := []struct {
		name string
		ok   bool
	}{{"ping", true}, {"etcd", s.etcdHealthy(r)}}
	if name == "readyz" {
		checks = append(checks, struct {
			name string
			ok   bool
		}{"informer-sync", s.ready.Load()})
	}
	healthy := true
	var b strings.Builder
	for _, c := range checks {
		mark := "ok"
		if !c.ok {
			mark, healthy = "failed: reason withheld", false
		}
		fmt.Fprintf(&b, "[+]%s %s\n", c.name, mark)
	}
	code := http.StatusOK
	if !healthy {
		code = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	if _, verbose := r.URL.Query()["verbose"]; verbose || !healthy {
		fmt.Fprintf(w, "%s%s check %s\n", b.String(), name, map[bool]string{true: "passed", false: "failed"}[healthy])
		return true
	}
	fmt.Fprint(w, "ok")
	return true
}

func (s *Server) etcdHealthy(r *http.Request) bool {
	_, err := s.client.Get(r.Context(), "/registry/health", clientv3.WithCountOnly())
	return err == nil
}

func (s *Server) writeJSON(w http.ResponseWriter, code int, v *version.Info) {
	body, _ := jsonMarshal(v)
	w.Header().Set("Content-Type", mtJSON)
	w.WriteHeader(code)
	w.Write(body)
}

// withRecovery turns a panic in a handler into a 500 Status: a bug must
// not take the server down.
func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.Error("panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.writeError(w, r, fmt.Errorf("internal error: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func tlsListener(ln net.Listener, cfg *tls.Config) net.Listener { return tls.NewListener(ln, cfg) }

// slogErrorLog routes net/http's own messages (TLS handshake noise) to slog at debug.
func slogErrorLog() *log.Logger {
	return slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug)
}
