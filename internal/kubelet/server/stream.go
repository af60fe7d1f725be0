package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// streamOptions are the exec/attach query parameters.
type streamOptions struct {
	command                    []string
	stdin, stdout, stderr, tty bool
}

func parseStreamOptions(q url.Values) (streamOptions, error) {
	o := streamOptions{command: q["command"]}
	for name, dst := range map[string]*bool{"stdin": &o.stdin, "stdout": &o.stdout, "stderr": &o.stderr, "tty": &o.tty} {
		v, err := boolParam(q, name)
		if err != nil {
			return o, err
		}
		*dst = v
	}
	if o.tty {
		o.stderr = false // a terminal merges stderr into stdout, as upstream
	}
	if !o.stdin && !o.stdout && !o.stderr {
		return o, badRequest("you must specify at least 1 of stdin, stdout, stderr")
	}
	return o, nil
}

// serveExec is /exec/{ns}/{pod}[/{uid}]/{container}.
func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	opts, ok := s.streamRequest(w, r)
	if !ok {
		return
	}
	if len(opts.command) == 0 {
		writeError(w, badRequest("you must specify at least one command for the container"))
		return
	}
	id, ok := s.runningContainer(w, r)
	if !ok {
		return
	}
	resp, err := s.cfg.Runtime.Exec(r.Context(), &runtimeapi.ExecRequest{
		ContainerId: id, Cmd: opts.command, Tty: opts.tty, Stdin: opts.stdin, Stdout: opts.stdout, Stderr: opts.stderr,
	})
	if err != nil {
		writeError(w, runtimeError(err))
		return
	}
	s.bridgeRemoteCommand(w, r, resp.Url, opts)
}

// serveAttach is /attach/{ns}/{pod}[/{uid}]/{container}.
func (s *Server) serveAttach(w http.ResponseWriter, r *http.Request) {
	opts, ok := s.streamRequest(w, r)
	if !ok {
		return
	}
	id, ok := s.runningContainer(w, r)
	if !ok {
		return
	}
	resp, err := s.cfg.Runtime.Attach(r.Context(), &runtimeapi.AttachRequest{
		ContainerId: id, Tty: opts.tty, Stdin: opts.stdin, Stdout: opts.stdout, Stderr: opts.stderr,
	})
	if err != nil {
		writeError(w, runtimeError(err))
		return
	}
	s.bridgeRemoteCommand(w, r, resp.Url, opts)
}

// servePortForward is /portForward/{ns}/{pod}[/{uid}].
func (s *Server) servePortForward(w http.ResponseWriter, r *http.Request) {
	ws := wsstream.IsWebSocketRequest(r)
	switch {
	case ws && !wsstream.IsWebSocketRequestWithTunnelingProtocol(r):
		// Only the SPDY tunnel is spoken over websockets; refusing the
		// upgrade makes client-go fall back to plain SPDY.
		writeError(w, badRequest("websocket port-forward needs the %s subprotocol", tunnelPortForwardProtocol))
		return
	case !ws && !httpstream.IsUpgradeRequest(r):
		writeError(w, badRequest("Upgrade request required"))
		return
	}
	ports, err := parsePorts(r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	pod, ok := s.cfg.Pods.GetPod(r.PathValue("ns"), r.PathValue("pod"))
	if !ok || (r.PathValue("uid") != "" && string(pod.UID) != r.PathValue("uid")) {
		writeError(w, notFound("pod does not exist"))
		return
	}
	sandbox, err := s.sandboxOf(r, pod)
	if err != nil {
		writeError(w, err)
		return
	}
	resp, err := s.cfg.Runtime.PortForward(r.Context(), &runtimeapi.PortForwardRequest{PodSandboxId: sandbox, Port: ports})
	if err != nil {
		writeError(w, runtimeError(err))
		return
	}
	target, err := url.Parse(resp.Url)
	if err != nil {
		writeError(w, err)
		return
	}
	if ws {
		s.tunnelPortForward(w, r, target)
		return
	}
	s.proxyUpgrade(w, r, target)
}

// streamRequest checks what can be checked before the runtime is asked:
// the options and that the client asks for a protocol this server speaks.
func (s *Server) streamRequest(w http.ResponseWriter, r *http.Request) (streamOptions, bool) {
	opts, err := parseStreamOptions(r.URL.Query())
	if err != nil {
		writeError(w, err)
		return opts, false
	}
	switch {
	case wsstream.IsWebSocketRequest(r):
		if !offersChannelProtocol(r) {
			writeError(w, badRequest("websocket subprotocols %q not supported; supported: %s", r.Header.Get(wsstream.WebSocketProtocolHeader), strings.Join(channelProtocolNames(), ", ")))
			return opts, false
		}
	case !httpstream.IsUpgradeRequest(r):
		writeError(w, badRequest("Upgrade request required"))
		return opts, false
	}
	return opts, true
}

// runningContainer resolves the container of an exec or attach.
func (s *Server) runningContainer(w http.ResponseWriter, r *http.Request) (string, bool) {
	pod, ok := s.cfg.Pods.GetPod(r.PathValue("ns"), r.PathValue("pod"))
	if !ok || (r.PathValue("uid") != "" && string(pod.UID) != r.PathValue("uid")) {
		writeError(w, notFound("pod does not exist"))
		return "", false
	}
	name := r.PathValue("container")
	if !hasContainer(pod, name) {
		writeError(w, notFound("container not found (%q)", name))
		return "", false
	}
	id, err := s.cfg.Pods.ContainerID(pod, name, false)
	if err != nil {
		writeError(w, badRequest("%s", err.Error()))
		return "", false
	}
	return id, true
}

// bridgeRemoteCommand connects an exec or attach client to the runtime's
// streaming URL: SPDY is proxied as is, websockets are translated.
func (s *Server) bridgeRemoteCommand(w http.ResponseWriter, r *http.Request, rawURL string, opts streamOptions) {
	target, err := url.Parse(rawURL)
	if err != nil {
		writeError(w, err)
		return
	}
	if wsstream.IsWebSocketRequest(r) {
		s.translateRemoteCommand(w, r, target, opts)
		return
	}
	s.proxyUpgrade(w, r, target)
}

// sandboxOf finds the ready sandbox of pod by its UID.
func (s *Server) sandboxOf(r *http.Request, pod *v1.Pod) (string, error) {
	ready := &runtimeapi.PodSandboxFilter{State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY}}
	sandboxes, err := s.cfg.Runtime.ListPodSandbox(r.Context(), ready)
	if err != nil {
		return "", runtimeError(err)
	}
	for _, sb := range sandboxes {
		if sb.GetMetadata().GetUid() == string(pod.UID) {
			return sb.Id, nil
		}
	}
	return "", notFound("pod %q has no running sandbox", pod.Name)
}

// parsePorts reads "port" (repeated or comma-separated), as the apiserver sends it.
func parsePorts(q url.Values) ([]int32, error) {
	var ports []int32
	for _, v := range q["port"] {
		for _, p := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
			if err != nil || n == 0 {
				return nil, badRequest("invalid port %q", p)
			}
			ports = append(ports, int32(n))
		}
	}
	return ports, nil
}
