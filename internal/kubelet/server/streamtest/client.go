package streamtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
)

// Client protocols, as kubectl picks them.
const (
	SPDY        = "spdy"         // SPDY/3.1 upgrade (kubectl before 1.30/1.31)
	WebSocket   = "websocket"    // v5.channel.k8s.io; for port-forward the SPDY tunnel
	WebSocketV4 = "websocket-v4" // v4.channel.k8s.io (no stdin close)
	Fallback    = "fallback"     // websocket first, SPDY if the upgrade fails (kubectl 1.30+)
)

func shouldFallback(err error) bool {
	return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
}

// Executor returns a remote-command client for an exec or attach URL.
func Executor(cfg *rest.Config, u *url.URL, proto string) (remotecommand.Executor, error) {
	switch proto {
	case SPDY:
		return remotecommand.NewSPDYExecutor(cfg, http.MethodPost, u)
	case WebSocket:
		return remotecommand.NewWebSocketExecutor(cfg, http.MethodGet, u.String())
	case WebSocketV4:
		return remotecommand.NewWebSocketExecutorForProtocols(cfg, http.MethodGet, u.String(), "v4.channel.k8s.io")
	case Fallback:
		ws, err := remotecommand.NewWebSocketExecutor(cfg, http.MethodGet, u.String())
		if err != nil {
			return nil, err
		}
		sp, err := remotecommand.NewSPDYExecutor(cfg, http.MethodPost, u)
		if err != nil {
			return nil, err
		}
		return remotecommand.NewFallbackExecutor(ws, sp, shouldFallback)
	}
	return nil, fmt.Errorf("unknown protocol %q", proto)
}

// Dialer returns a port-forward client for a port-forward URL.
func Dialer(cfg *rest.Config, u *url.URL, proto string) (httpstream.Dialer, error) {
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	plain := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, u)
	switch proto {
	case SPDY:
		return plain, nil
	case WebSocket, Fallback:
		tunnel, err := portforward.NewSPDYOverWebsocketDialer(u, cfg)
		if err != nil {
			return nil, err
		}
		if proto == WebSocket {
			return tunnel, nil
		}
		return portforward.NewFallbackDialer(tunnel, plain, shouldFallback), nil
	}
	return nil, fmt.Errorf("unknown protocol %q", proto)
}

// PortForwardEcho forwards a local port to remotePort through dialer,
// sends msg over it and returns what came back (the fake server echoes).
func PortForwardEcho(ctx context.Context, dialer httpstream.Dialer, remotePort int, msg string) (string, error) {
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	pf, err := portforward.New(dialer, []string{fmt.Sprintf("0:%d", remotePort)}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		return "", err
	}
	errc := make(chan error, 1)
	go func() { errc <- pf.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-errc:
		return "", fmt.Errorf("port-forward: %w", err)
	case <-ctx.Done():
		return "", ctx.Err()
	}
	ports, err := pf.GetPorts()
	if err != nil {
		return "", err
	}
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0].Local))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	} else {
		conn.SetDeadline(time.Now().Add(30 * time.Second))
	}
	if _, err := io.WriteString(conn, msg); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, buf); err != nil {
		return string(buf), errors.Join(errors.New("reading the echo"), err)
	}
	return string(buf), nil
}
