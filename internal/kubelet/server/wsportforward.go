package server

import (
	"net/http"
	"net/url"
	"strings"

	gwebsocket "github.com/gorilla/websocket"
	"k8s.io/client-go/tools/portforward"
)

// tunnelPortForwardProtocol is what kubectl 1.31+ asks for: SPDY frames
// carried in binary websocket messages.
const (
	portForwardProtocol       = "portforward.k8s.io"
	tunnelPrefix              = "SPDY/3.1+"
	tunnelPortForwardProtocol = tunnelPrefix + portForwardProtocol
)

// tunnelPortForward unwraps the SPDY the client tunnels through the
// websocket and splices it to the runtime's SPDY connection: both ends
// speak the same SPDY session, so no frame needs translating.
func (s *Server) tunnelPortForward(w http.ResponseWriter, r *http.Request, target *url.URL) {
	// Upgrade towards the runtime first: a failure is then still an HTTP
	// error the client can report (or fall back from).
	backend, version, err := s.dialUpgrade(r.Context(), target, portForwardProtocol)
	if err != nil {
		writeError(w, runtimeError(err))
		return
	}
	if version == "" {
		version = portForwardProtocol
	}
	up := gwebsocket.Upgrader{
		Subprotocols: []string{tunnelPrefix + version},
		// Clients authenticate with certificates, not cookies: a browser's
		// cross-site request carries no credential here.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		backend.Close()
		s.log.Info("websocket upgrade failed", "path", r.URL.Path, "err", err)
		return
	}
	if !strings.HasPrefix(ws.Subprotocol(), tunnelPrefix) {
		ws.Close()
		backend.Close()
		return
	}
	splice(portforward.NewTunnelingConnection("kubelet", ws), backend)
}
