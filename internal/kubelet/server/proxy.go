package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// newRuntimeTransport reaches the runtime's streaming server: plain HTTP on
// localhost for containerd, or HTTPS with a certificate of its own that
// nothing here can verify. HTTP/1.1 only, as upgrades need.
func newRuntimeTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}},
		TLSHandshakeTimeout: 10 * time.Second,
		IdleConnTimeout:     90 * time.Second,
	}
}

// proxyUpgrade forwards an upgrade request (SPDY) to the runtime's
// streaming URL and, once the runtime switches protocols, splices the two
// connections; the runtime's own error response is relayed otherwise.
func (s *Server) proxyUpgrade(w http.ResponseWriter, r *http.Request, target *url.URL) {
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = target
			pr.Out.Host = target.Host
			pr.Out.Header.Del("Authorization")
		},
		Transport:     s.runtimeTransport,
		FlushInterval: -1,
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.log.Info("streaming proxy to runtime failed", "url", target.Redacted(), "err", err)
			writeError(w, runtimeError(fmt.Errorf("error dialing backend: %v", err)))
		},
	}
	p.ServeHTTP(w, r)
}

// dialUpgrade sends an upgrade request for protocol to the runtime and
// returns the switched connection and the version it chose.
func (s *Server) dialUpgrade(ctx context.Context, target *url.URL, protocol string) (io.ReadWriteCloser, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "SPDY/3.1")
	req.Header.Set("X-Stream-Protocol-Version", protocol)
	resp, err := s.runtimeTransport.RoundTrip(req)
	if err != nil {
		return nil, "", fmt.Errorf("error dialing backend: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
		return nil, "", fmt.Errorf("unable to upgrade connection: %s", body)
	}
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		return nil, "", fmt.Errorf("runtime switched protocols without a writable connection")
	}
	return conn, resp.Header.Get("X-Stream-Protocol-Version"), nil
}

// splice copies both ways until one side ends, then closes both.
func splice(a, b io.ReadWriteCloser) {
	done := make(chan struct{}, 2)
	cp := func(dst io.Writer, src io.Reader) {
		io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	a.Close()
	b.Close()
	<-done
}
