package ingress

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

// benchTable has 1,000 Ingresses, each with its own host and five paths,
// plus 100 wildcard hosts.
func benchTable() *Table {
	ings, objs := benchIngresses()
	return Build(ings, orcaClasses(), objs)
}

func benchIngresses() ([]*networkingv1.Ingress, *fakeObjects) {
	objs := newObjects()
	objs.addService("ns", "s", 8080, "10.0.0.1", "10.0.0.2")
	var ings []*networkingv1.Ingress
	for i := range 1000 {
		ings = append(ings, ing("ns", fmt.Sprint("i", i), i, rule(fmt.Sprintf("host%d.example.com", i),
			path("/", prefix, "s"), path("/api", prefix, "s"), path("/api/v1/items", prefix, "s"),
			path("/static", impl, "s"), path("/healthz", exact, "s"))))
	}
	for i := range 100 {
		ings = append(ings, ing("ns", fmt.Sprint("w", i), 2000+i, rule(fmt.Sprintf("*.app%d.example.com", i), path("/", prefix, "s"))))
	}
	return ings, objs
}

// BenchmarkRoute: the lookup a request does, for an exact host and a deep
// path under a prefix rule, and for a wildcard host.
func BenchmarkRoute(b *testing.B) {
	t := benchTable()
	for _, tc := range []struct{ name, host, path string }{
		{"exact-host-deep-prefix", "host517.example.com:80", "/api/v1/items/42/details"},
		{"exact-path", "host3.example.com", "/healthz"},
		{"wildcard-host", "tenant.app42.example.com", "/x/y"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if t.Route(requestHost(tc.host), routePath(tc.path)) == nil {
					b.Fatal("no route")
				}
			}
		})
	}
}

// BenchmarkBuild: rebuilding the whole table of benchTable, as a change
// in the cluster does.
func BenchmarkBuild(b *testing.B) {
	ings, objs := benchIngresses()
	classes := orcaClasses()
	b.ReportAllocs()
	for b.Loop() {
		Build(ings, classes, objs)
	}
}

// BenchmarkProxy: parallel keep-alive GETs through the ingress listener
// to a local backend, and to the backend directly for comparison (the
// same client; compare ns/op). `orca bench ingress` reports the same as
// requests per second.
func BenchmarkProxy(b *testing.B) {
	body := strings.Repeat("x", 256)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
	defer be.Close()
	h := NewHandler(slog.New(slog.DiscardHandler))
	h.Swap(oneBackend(strings.TrimPrefix(be.URL, "http://")))
	l, err := Listen("127.0.0.1:0", "", h, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Serve(ctx)
	for _, tc := range []struct{ name, url string }{{"direct", be.URL}, {"ingress", "http://" + l.Addrs()[0].String()}} {
		b.Run(tc.name, func(b *testing.B) {
			tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := c.Get(tc.url + "/api/x")
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
