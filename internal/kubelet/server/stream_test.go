package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"orca/internal/kubelet/server/streamtest"
)

func (e *env) streamURL(path string, q url.Values) *url.URL {
	e.t.Helper()
	u, err := url.Parse(e.url + path)
	if err != nil {
		e.t.Fatal(err)
	}
	u.RawQuery = q.Encode()
	return u
}

func execQuery(cmd ...string) url.Values {
	return url.Values{"command": cmd, "stdout": {"true"}, "stderr": {"true"}}
}

type execResult struct {
	stdout, stderr string
	err            error
}

func (e *env) exec(u *url.URL, proto string, opts remotecommand.StreamOptions) execResult {
	e.t.Helper()
	ex, err := streamtest.Executor(e.restConfig(), u, proto)
	if err != nil {
		e.t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if opts.Stdout == nil {
		opts.Stdout = &out
	}
	if opts.Stderr == nil && !opts.Tty {
		opts.Stderr = &errOut
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = ex.StreamWithContext(ctx, opts)
	return execResult{out.String(), errOut.String(), err}
}

type fixedSize struct{ sent bool }

func (f *fixedSize) Next() *remotecommand.TerminalSize {
	if f.sent {
		select {} // one size only; the session ends first
	}
	f.sent = true
	return &remotecommand.TerminalSize{Width: 80, Height: 24}
}

func TestExec(t *testing.T) {
	e := newEnv(t)
	e.runPod("default", "web")
	path := "/exec/default/web/app"
	for _, proto := range []string{streamtest.SPDY, streamtest.WebSocket, streamtest.Fallback} {
		t.Run(proto, func(t *testing.T) {
			if r := e.exec(e.streamURL(path, execQuery("echo", "hello", "world")), proto, remotecommand.StreamOptions{}); r.err != nil || r.stdout != "hello world\n" {
				t.Errorf("echo: %+v", r)
			}
			if r := e.exec(e.streamURL(path, execQuery("stderr", "oops")), proto, remotecommand.StreamOptions{}); r.err != nil || r.stderr != "oops\n" || r.stdout != "" {
				t.Errorf("stderr: %+v", r)
			}
			var exit utilexec.ExitError
			r := e.exec(e.streamURL(path, execQuery("exit", "3")), proto, remotecommand.StreamOptions{})
			if !errors.As(r.err, &exit) || exit.ExitStatus() != 3 {
				t.Errorf("exit 3: %+v", r)
			}
			// stdin reaches the command and its end is seen (v5 close signal).
			q := execQuery("cat")
			q.Set("stdin", "true")
			r = e.exec(e.streamURL(path, q), proto, remotecommand.StreamOptions{Stdin: strings.NewReader("from stdin\n")})
			if r.err != nil || r.stdout != "from stdin\n" {
				t.Errorf("cat: %+v", r)
			}
			// A terminal: stderr is merged, sizes reach the runtime.
			q = url.Values{"command": {"size"}, "stdout": {"true"}, "stderr": {"true"}, "tty": {"true"}}
			r = e.exec(e.streamURL(path, q), proto, remotecommand.StreamOptions{Tty: true, TerminalSizeQueue: &fixedSize{}})
			if r.err != nil || r.stdout != "80x24\n" {
				t.Errorf("tty size: %+v", r)
			}
		})
	}
}

func TestExecWebSocketV4(t *testing.T) {
	e := newEnv(t)
	e.runPod("default", "web")
	r := e.exec(e.streamURL("/exec/default/web/app", execQuery("echo", "v4")), streamtest.WebSocketV4, remotecommand.StreamOptions{})
	if r.err != nil || r.stdout != "v4\n" {
		t.Fatalf("%+v", r)
	}
	var exit utilexec.ExitError
	r = e.exec(e.streamURL("/exec/default/web/app", execQuery("exit", "2")), streamtest.WebSocketV4, remotecommand.StreamOptions{})
	if !errors.As(r.err, &exit) || exit.ExitStatus() != 2 {
		t.Fatalf("%+v", r)
	}
}

func TestAttach(t *testing.T) {
	e := newEnv(t)
	e.runPod("default", "web")
	for _, proto := range []string{streamtest.SPDY, streamtest.WebSocket} {
		q := url.Values{"stdin": {"true"}, "stdout": {"true"}}
		r := e.exec(e.streamURL("/attach/default/web/app", q), proto, remotecommand.StreamOptions{Stdin: strings.NewReader("typed\n")})
		if r.err != nil || r.stdout != "typed\n" {
			t.Errorf("%s: %+v", proto, r)
		}
	}
}

func TestPortForward(t *testing.T) {
	e := newEnv(t)
	e.runPod("default", "web")
	for _, proto := range []string{streamtest.SPDY, streamtest.WebSocket, streamtest.Fallback} {
		t.Run(proto, func(t *testing.T) {
			d, err := streamtest.Dialer(e.restConfig(), e.streamURL("/portForward/default/web", nil), proto)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := streamtest.PortForwardEcho(ctx, d, 8080, "ping over "+proto)
			if err != nil || got != "ping over "+proto {
				t.Fatalf("echo %q, %v", got, err)
			}
		})
	}
}

// Negotiation paths that need no runtime session: refusals are plain HTTP
// errors (Status JSON), which client-go reports or falls back from.
func TestStreamNegotiation(t *testing.T) {
	e := newEnv(t)
	_, ids := e.runPod("default", "web")
	c := e.client(&e.apiserver)
	for _, tc := range []struct {
		name, method, path string
		header             http.Header
		code               int
		msg                string
	}{
		{"exec without upgrade", "POST", "/exec/default/web/app?command=ls&stdout=1", nil, 400, "Upgrade request required"},
		{"no streams", "POST", "/exec/default/web/app?command=ls", spdyHeader("v4.channel.k8s.io"), 400, "you must specify at least 1 of stdin, stdout, stderr"},
		{"no command", "POST", "/exec/default/web/app?stdout=1", spdyHeader("v4.channel.k8s.io"), 400, "you must specify at least one command for the container"},
		{"unknown pod", "POST", "/exec/default/nope/app?command=ls&stdout=1", spdyHeader("v4.channel.k8s.io"), 404, "pod does not exist"},
		{"unknown container", "POST", "/exec/default/web/db?command=ls&stdout=1", spdyHeader("v4.channel.k8s.io"), 404, `container not found ("db")`},
		{"wrong uid", "POST", "/exec/default/web/other-uid/app?command=ls&stdout=1", spdyHeader("v4.channel.k8s.io"), 404, "pod does not exist"},
		{"websocket v1 protocol", "GET", "/exec/default/web/app?command=ls&stdout=1", wsHeader("channel.k8s.io"), 400,
			`websocket subprotocols "channel.k8s.io" not supported; supported: v5.channel.k8s.io, v4.channel.k8s.io, v4.base64.channel.k8s.io`},
		{"websocket port-forward without tunnel", "GET", "/portForward/default/web", wsHeader("portforward.k8s.io"), 400,
			"websocket port-forward needs the SPDY/3.1+portforward.k8s.io subprotocol"},
		{"port-forward without upgrade", "POST", "/portForward/default/web", nil, 400, "Upgrade request required"},
		{"bad port", "POST", "/portForward/default/web?port=http", spdyHeader("portforward.k8s.io"), 400, `invalid port "http"`},
	} {
		req, _ := http.NewRequest(tc.method, e.url+tc.path, nil)
		for k, v := range tc.header {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		body := new(bytes.Buffer)
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s: code %d, want %d: %s", tc.name, resp.StatusCode, tc.code, body)
			continue
		}
		if st := decodeStatus(t, body.Bytes()); st.Message != tc.msg {
			t.Errorf("%s: message %q, want %q", tc.name, st.Message, tc.msg)
		}
	}
	// A container the runtime does not know: its NotFound is a 404.
	e.pods.ids["default/web/app"] = "0123456789ab"
	defer func() { e.pods.ids["default/web/app"] = ids["app"] }()
	req, _ := http.NewRequest("POST", e.url+"/exec/default/web/app?command=ls&stdout=1", nil)
	for k, v := range spdyHeader("v4.channel.k8s.io") {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown container ID: %d", resp.StatusCode)
	}
}

// The simulated runtime has no streaming server: Unimplemented is a 500 the
// client sees as a failed upgrade.
func TestExecWithoutStreamingServer(t *testing.T) {
	e := newEnv(t)
	e.runPod("default", "web")
	bare := New(Config{ServingCert: mustServing(t), Runtime: e.rt, Pods: e.pods})
	req, _ := http.NewRequest("POST", "/exec/default/web/app?command=ls&stdout=1", nil)
	for k, v := range spdyHeader("v4.channel.k8s.io") {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	bare.routes().ServeHTTP(rec, req)
	st := decodeStatus(t, rec.Body.Bytes())
	if rec.Code != 500 || st.Reason != metav1.StatusReasonInternalError || !strings.Contains(st.Message, "Unimplemented") {
		t.Fatalf("%d %+v", rec.Code, st)
	}
}

func spdyHeader(protocol string) http.Header {
	return http.Header{"Connection": {"Upgrade"}, "Upgrade": {"SPDY/3.1"}, "X-Stream-Protocol-Version": {protocol}}
}

func wsHeader(protocol string) http.Header {
	return http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Protocol": {protocol}}
}

func mustServing(t *testing.T) tls.Certificate {
	t.Helper()
	c, err := SelfSignedCert("node-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
