package prober

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
)

// maxBodyBytes caps how much of a response body becomes the probe's output.
const maxBodyBytes = 10 << 10

// newHTTPTransport is shared by all HTTP probes. Like upstream: no proxy
// (probes target pod IPs), no keep-alives (each probe is a fresh connection,
// nothing to leak between runs), no gzip (Accept-Encoding stays as the user
// set it), and HTTPS without certificate checks.
func newHTTPTransport() *http.Transport {
	return &http.Transport{
		Proxy:              nil,
		DialContext:        probeDialer().DialContext,
		TLSClientConfig:    &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // probes never verify, as upstream
		DisableKeepAlives:  true,
		DisableCompression: true,
	}
}

// runHTTP GETs the probe's URL: 2xx and 3xx succeed, anything else fails.
// Request errors (refused, timeout) are failures with the error as message.
func (r *runner) runHTTP(ctx context.Context, a *v1.HTTPGetAction, t Target, timeout time.Duration) (Result, string, error) {
	req, err := newHTTPRequest(ctx, a, t)
	if err != nil {
		return Unknown, "", err
	}
	client := &http.Client{Timeout: timeout, Transport: r.http, CheckRedirect: sameHostRedirects}
	res, err := client.Do(req)
	if err != nil {
		return Failure, err.Error(), nil
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBodyBytes))
	if err != nil {
		return Failure, "", err
	}
	return httpVerdict(res.StatusCode, string(body))
}

// httpVerdict maps a status code to a result with upstream's messages. A 3xx
// here is a redirect that was not followed (to another host): it passes,
// with a warning.
func httpVerdict(code int, body string) (Result, string, error) {
	switch {
	case code >= http.StatusOK && code < http.StatusMultipleChoices:
		return Success, body, nil
	case code >= http.StatusMultipleChoices && code < http.StatusBadRequest:
		return Warning, fmt.Sprintf("Probe terminated redirects, Response body: %v", body), nil
	default:
		return Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", code), nil
	}
}

// sameHostRedirects follows redirects only within the probed host, so a
// probe cannot be bounced onto arbitrary hosts from the node's network.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// newHTTPRequest builds the GET upstream's kubelet sends: host defaults to the
// pod IP, the port may be named, user headers win over the defaults
// (User-Agent kube-probe/x.y, Accept */*; an empty Accept removes it), and a
// Host header sets the virtual host.
func newHTTPRequest(ctx context.Context, a *v1.HTTPGetAction, t Target) (*http.Request, error) {
	port, err := resolvePort(a.Port, t.Container)
	if err != nil {
		return nil, err
	}
	host := a.Host
	if host == "" {
		host = t.PodIP
	}
	u := probeURL(strings.ToLower(string(a.Scheme)), host, port, a.Path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header = probeHeaders(a.HTTPHeaders)
	req.Host = req.Header.Get("Host")
	return req, nil
}

// probeURL keeps a path's query string. A path that does not parse is
// passed along as is rather than rejected, as upstream does.
func probeURL(scheme, host string, port int, path string) *url.URL {
	if scheme == "" {
		scheme = "http"
	}
	u, err := url.Parse(path)
	if err != nil {
		u = &url.URL{Path: path}
	}
	u.Scheme = scheme
	u.Host = net.JoinHostPort(host, strconv.Itoa(port))
	return u
}

func probeHeaders(list []v1.HTTPHeader) http.Header {
	h := http.Header{}
	for _, e := range list {
		h.Add(e.Name, e.Value)
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", userAgent)
	}
	if _, ok := h["Accept"]; !ok {
		h.Set("Accept", "*/*")
	} else if h.Get("Accept") == "" {
		h.Del("Accept")
	}
	return h
}
