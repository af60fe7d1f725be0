package prober

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func httpProbe(path string, port intstr.IntOrString) *v1.Probe {
	return &v1.Probe{ProbeHandler: v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Path: path, Port: port}}}
}

func TestHTTPStatus(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, port := hostPort(t, srv.URL)
	mux.HandleFunc("/code/", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/code/"), "%d", &code)
		w.WriteHeader(code)
		fmt.Fprint(w, "body")
	})
	mux.HandleFunc("/here", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/code/200", http.StatusFound)
	})
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		// Same server, other host name: not followed.
		http.Redirect(w, r, fmt.Sprintf("http://localhost:%d/code/200", port), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})

	cases := []struct {
		path    string
		want    Result
		wantOut string
	}{
		{"/code/200", Success, "body"},
		{"/code/204", Success, ""},
		{"/code/399", Warning, "Probe terminated redirects, Response body: body"},
		{"/here", Success, "body"},
		{"/away", Warning, "Probe terminated redirects, Response body: <a href=\"http://localhost:" + fmt.Sprint(port) + "/code/200\">Found</a>.\n\n"},
		{"/code/400", Failure, "HTTP probe failed with statuscode: 400"},
		{"/code/404", Failure, "HTTP probe failed with statuscode: 404"},
		{"/code/500", Failure, "HTTP probe failed with statuscode: 500"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res, out, err := runProbe(t, nil, httpProbe(tc.path, intstr.FromInt32(int32(port))), nil)
			if err != nil || res != tc.want || out != tc.wantOut {
				t.Fatalf("= %v, %q, %v; want %v, %q", res, out, err, tc.want, tc.wantOut)
			}
		})
	}
	t.Run("redirect loop", func(t *testing.T) {
		res, out, err := runProbe(t, nil, httpProbe("/loop", intstr.FromInt32(int32(port))), nil)
		if err != nil || res != Failure || !strings.Contains(out, "stopped after 10 redirects") {
			t.Fatalf("= %v, %q, %v", res, out, err)
		}
	})
}

func TestHTTPRequest(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	defer srv.Close()
	_, port := hostPort(t, srv.URL)

	cases := []struct {
		name                         string
		headers                      []v1.HTTPHeader
		wantUA, wantAccept, wantHost string
		wantCustom                   string
	}{
		{name: "defaults", wantUA: "kube-probe/1.37", wantAccept: "*/*", wantHost: fmt.Sprintf("127.0.0.1:%d", port)},
		{
			name:    "user headers win",
			headers: []v1.HTTPHeader{{Name: "user-agent", Value: "mine"}, {Name: "Accept", Value: "text/plain"}, {Name: "X-Custom", Value: "v"}, {Name: "Host", Value: "example.com"}},
			wantUA:  "mine", wantAccept: "text/plain", wantHost: "example.com", wantCustom: "v",
		},
		{name: "empty accept removes it", headers: []v1.HTTPHeader{{Name: "Accept", Value: ""}}, wantUA: "kube-probe/1.37", wantHost: fmt.Sprintf("127.0.0.1:%d", port)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := httpProbe("/healthz?full=1", intstr.FromInt32(int32(port)))
			p.HTTPGet.HTTPHeaders = tc.headers
			if res, out, err := runProbe(t, nil, p, nil); res != Success || err != nil {
				t.Fatalf("= %v, %q, %v", res, out, err)
			}
			if got.URL.Path != "/healthz" || got.URL.RawQuery != "full=1" || got.Method != http.MethodGet {
				t.Errorf("request %s %s", got.Method, got.URL)
			}
			if ua := got.Header.Get("User-Agent"); ua != tc.wantUA {
				t.Errorf("User-Agent %q, want %q", ua, tc.wantUA)
			}
			if a := got.Header.Get("Accept"); a != tc.wantAccept {
				t.Errorf("Accept %q, want %q", a, tc.wantAccept)
			}
			if got.Host != tc.wantHost {
				t.Errorf("Host %q, want %q", got.Host, tc.wantHost)
			}
			if c := got.Header.Get("X-Custom"); c != tc.wantCustom {
				t.Errorf("X-Custom %q, want %q", c, tc.wantCustom)
			}
		})
	}
}

func TestHTTPNamedPort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port := hostPort(t, srv.URL)
	c := &v1.Container{Name: "c", Ports: []v1.ContainerPort{{Name: "metrics", ContainerPort: 1}, {Name: "http", ContainerPort: int32(port)}}}

	if res, out, err := runProbe(t, nil, httpProbe("/", intstr.FromString("http")), c); res != Success || err != nil {
		t.Fatalf("named port: %v, %q, %v", res, out, err)
	}
	if res, out, err := runProbe(t, nil, httpProbe("/", intstr.FromString(fmt.Sprint(port))), c); res != Success || err != nil {
		t.Fatalf("number as string: %v, %q, %v", res, out, err)
	}
	_, _, err := runProbe(t, nil, httpProbe("/", intstr.FromString("nope")), c)
	if err == nil || err.Error() != `strconv.Atoi: parsing "nope": invalid syntax` {
		t.Fatalf("unknown name: err %v", err)
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "tls ok") }))
	defer srv.Close()
	_, port := hostPort(t, srv.URL)
	p := httpProbe("/", intstr.FromInt32(int32(port)))
	p.HTTPGet.Scheme = v1.URISchemeHTTPS
	if res, out, err := runProbe(t, nil, p, nil); res != Success || out != "tls ok" || err != nil {
		t.Fatalf("= %v, %q, %v", res, out, err)
	}
}

func TestHTTPConnectionRefused(t *testing.T) {
	port := closedPort(t)
	res, out, err := runProbe(t, nil, httpProbe("/healthz", intstr.FromInt32(int32(port))), nil)
	want := fmt.Sprintf(`Get "http://127.0.0.1:%d/healthz": dial tcp 127.0.0.1:%d: connect: connection refused`, port, port)
	if res != Failure || out != want || err != nil {
		t.Fatalf("= %v, %q, %v; want failure %q", res, out, err, want)
	}
}

func TestHTTPHostOverridesPodIP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	p := httpProbe("/", intstr.FromInt32(int32(port)))
	p.HTTPGet.Host = host
	target := Target{PodIP: "192.0.2.1", Container: &v1.Container{Name: "c"}} // TEST-NET: unreachable
	p.TimeoutSeconds = 1
	if res, out, err := newRunner(nil).Run(t.Context(), p, target); res != Success || err != nil {
		t.Fatalf("= %v, %q, %v", res, out, err)
	}
}

func TestHTTPBodyIsCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 3*maxBodyBytes))
	}))
	defer srv.Close()
	_, port := hostPort(t, srv.URL)
	res, out, err := runProbe(t, nil, httpProbe("/", intstr.FromInt32(int32(port))), nil)
	if res != Success || len(out) != 10*1024 || err != nil {
		t.Fatalf("= %v, %d bytes, %v", res, len(out), err)
	}
}

// Takes timeoutSeconds (1s) of real time: the timeout is the HTTP client's.
func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	_, port := hostPort(t, srv.URL)
	res, out, err := runProbe(t, nil, httpProbe("/slow", intstr.FromInt32(int32(port))), nil)
	if res != Failure || !strings.Contains(out, "Client.Timeout exceeded") || err != nil {
		t.Fatalf("= %v, %q, %v", res, out, err)
	}
}
