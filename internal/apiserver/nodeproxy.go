package apiserver

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// serveNodeProxy is /api/v1/nodes/<name>[:<port>]/proxy/<path>, any method:
// the request goes to <path> on the node's kubelet (as the kubelet client),
// or, for another port, to that port of the node without credentials
// (scheme "http" unless the name is "https:<node>:<port>"), as upstream.
func (s *Server) serveNodeProxy(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo) {
	if sv.res.Group != "" || info.Resource != "nodes" {
		s.writeError(w, r, notFound())
		return
	}
	scheme, name, port, ok := splitSchemeNamePort(info.Name)
	if !ok {
		s.writeError(w, r, apierrors.NewBadRequest(fmt.Sprintf("invalid node request %q", info.Name)))
		return
	}
	node, err := s.getNode(r.Context(), name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	host, err := preferredAddress(node)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	kubeletPort := strconv.Itoa(int(node.Status.DaemonEndpoints.KubeletEndpoint.Port))
	if kubeletPort == "0" {
		kubeletPort = strconv.Itoa(defaultKubeletPort)
	}
	// The path below /proxy goes on unchanged; an empty one is "/".
	rest := strings.TrimPrefix(r.URL.Path, "/api/v1/nodes/"+info.Name+"/proxy")
	if rest == "" {
		rest = "/"
	}
	target := &url.URL{Path: rest, RawQuery: r.URL.RawQuery}
	transport := http.RoundTripper(s.kubelet)
	if port == "" || port == kubeletPort {
		target.Scheme, target.Host = "https", net.JoinHostPort(host, kubeletPort)
	} else {
		target.Scheme, target.Host = scheme, net.JoinHostPort(host, port)
		transport = anonymousTransport()
	}
	s.proxyTo(w, r, target, transport)
}

// splitSchemeNamePort parses "name", "name:port" and "scheme:name:port"
// (scheme http or https; empty means http).
func splitSchemeNamePort(id string) (scheme, name, port string, ok bool) {
	parts := strings.Split(id, ":")
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		name, port = parts[0], parts[1]
	case 3:
		scheme, name, port = parts[0], parts[1], parts[2]
	default:
		return "", "", "", false
	}
	if scheme == "" {
		scheme = "http"
	}
	if name == "" || (scheme != "http" && scheme != "https") {
		return "", "", "", false
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", "", "", false
		}
	}
	return scheme, name, port, true
}

// anonymousTransport reaches other ports of a node: no client certificate
// (those are not the kubelet's to see), certificates not verified.
var anonymousTransport = sync.OnceValue(func() *http.Transport {
	return newProxyTransport(&tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
})
