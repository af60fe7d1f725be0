package server

import (
	"context"
	"net/http"
	"os"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// serveContainerLogs is GET /containerLogs/{ns}/{pod}/{container}.
func (s *Server) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	opts, err := parseLogOptions(r.URL.Query(), time.Now())
	if err != nil {
		writeError(w, err)
		return
	}
	pod, name, err := s.podContainer(r)
	if err != nil {
		writeError(w, err)
		return
	}
	id, err := s.cfg.Pods.ContainerID(pod, name, opts.previous)
	if err != nil {
		writeError(w, badRequest("%s", err.Error()))
		return
	}
	resp, err := s.cfg.Runtime.ContainerStatus(r.Context(), id, false)
	if err != nil {
		writeError(w, runtimeError(err))
		return
	}
	path := resp.GetStatus().GetLogPath()
	if path == "" {
		writeError(w, badRequest("container %q in pod %q has no log file", name, pod.Name))
		return
	}
	out := &lazyWriter{w: w, flush: opts.follow}
	if _, err := os.Stat(path); err == nil && opts.follow {
		out.start() // a followed log may stay quiet; answer the headers now
	}
	err = readLog(r.Context(), path, opts, s.containerRunning(id), out)
	if err != nil && !out.started {
		writeError(w, badRequest("%s", err.Error()))
		return
	}
	if err != nil {
		s.log.Debug("reading container log", "pod", pod.Namespace+"/"+pod.Name, "container", name, "err", err)
	}
	out.start()
}

// podContainer finds the pod and checks the container is in its spec, with
// upstream's 404 messages.
func (s *Server) podContainer(r *http.Request) (*v1.Pod, string, error) {
	ns, podName, name := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	pod, ok := s.cfg.Pods.GetPod(ns, podName)
	if !ok {
		return nil, "", notFound("pod %q does not exist", podName)
	}
	if !hasContainer(pod, name) {
		return nil, "", notFound("container %q not found in pod %q", name, podName)
	}
	return pod, name, nil
}

func hasContainer(pod *v1.Pod, name string) bool {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// containerRunning tells a followed log when to stop. A runtime that
// cannot answer is assumed to still run the container.
func (s *Server) containerRunning(id string) func(context.Context) bool {
	return func(ctx context.Context) bool {
		resp, err := s.cfg.Runtime.ContainerStatus(ctx, id, false)
		if err != nil {
			return status.Code(err) == codes.Unavailable
		}
		return resp.GetStatus().GetState() == runtimeapi.ContainerState_CONTAINER_RUNNING
	}
}

// lazyWriter commits the 200 only when the first log bytes arrive, so an
// error found before that can still be a Status; with flush every write
// reaches the client at once (follow).
type lazyWriter struct {
	w       http.ResponseWriter
	flush   bool
	started bool
}

func (l *lazyWriter) start() {
	if l.started {
		return
	}
	l.started = true
	l.w.Header().Set("Content-Type", "text/plain")
	l.w.WriteHeader(http.StatusOK)
	if l.flush {
		http.NewResponseController(l.w).Flush()
	}
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	l.start()
	n, err := l.w.Write(b)
	if err == nil && l.flush {
		err = http.NewResponseController(l.w).Flush()
	}
	return n, err
}
