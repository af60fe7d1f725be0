package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"orca/internal/ingress"
)

// IngressOptions size the ingress throughput benchmark.
type IngressOptions struct {
	Clients  int           // concurrent keep-alive clients
	Duration time.Duration // measured time per round and target
	Rounds   int           // rounds, alternating direct and through the ingress
	Body     int           // response body bytes
}

// IngressReport holds the results.
type IngressReport struct {
	Options         IngressOptions
	Direct, Ingress float64 // requests per second
	// Relay: through a bare TCP byte relay to the same backend. It makes
	// the system calls no proxy can avoid (read the request, write it on,
	// read the response, write it back) and does no HTTP work, so it shows
	// what the two extra loopback hops alone cost on this machine.
	Relay  float64
	Errors int64
}

func (r IngressReport) Print(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "backend: local HTTP/1.1 server answering %d bytes; ingress handler in-process on loopback\n", o.Body)
	fmt.Fprintf(w, "clients: %d concurrent keep-alive; %d rounds of %v each way, alternating\n", o.Clients, o.Rounds, o.Duration)
	fmt.Fprintf(w, "direct to the backend:  %8.0f requests/s\n", r.Direct)
	fmt.Fprintf(w, "through the ingress:    %8.0f requests/s\n", r.Ingress)
	fmt.Fprintf(w, "ratio:                  %7.1f%% (target >= 70%%)\n", 100*r.Ingress/r.Direct)
	fmt.Fprintf(w, "bare TCP relay:         %8.0f requests/s, %.1f%% of direct (bytes copied each way, no HTTP work)\n", r.Relay, 100*r.Relay/r.Direct)
	fmt.Fprintf(w, "ingress vs relay:       %7.1f%%\n", 100*r.Ingress/r.Relay)
	if r.Errors > 0 {
		fmt.Fprintf(w, "errors:                 %d\n", r.Errors)
	}
}

// Ingress measures requests per second to a local backend directly and
// through the ingress handler (routing by host and path, round-robin
// endpoint pick, X-Forwarded headers, kept-alive backend connections),
// with the same clients, and through a bare TCP relay for comparison.
// Everything shares the machine's cores, as the ingress and a pod would on
// a node.
func Ingress(ctx context.Context, o IngressOptions) (*IngressReport, error) {
	body := strings.Repeat("x", o.Body)
	backend, err := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		io.WriteString(w, body) //nolint:errcheck
	}))
	if err != nil {
		return nil, err
	}
	defer backend.Close()
	h := ingress.NewHandler(slog.New(slog.DiscardHandler))
	h.Swap(benchTable(backend.Addr().String()))
	l, err := ingress.Listen("127.0.0.1:0", "", h, &tls.Certificate{}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go l.Serve(lctx)
	relay, err := relayTo(backend.Addr().String())
	if err != nil {
		return nil, err
	}
	defer relay.Close()

	rep := &IngressReport{Options: o}
	direct := "http://" + backend.Addr().String() + "/api/items"
	through := "http://" + l.Addrs()[0].String() + "/api/items"
	relayed := "http://" + relay.Addr().String() + "/api/items"
	var nDirect, nIngress, nRelay int64
	for range o.Rounds {
		for _, t := range []struct {
			url string
			n   *int64
		}{{direct, &nDirect}, {through, &nIngress}, {relayed, &nRelay}} {
			n, errs := load(ctx, t.url, o)
			*t.n += n
			rep.Errors += errs
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	total := (time.Duration(o.Rounds) * o.Duration).Seconds()
	rep.Direct, rep.Ingress, rep.Relay = float64(nDirect)/total, float64(nIngress)/total, float64(nRelay)/total
	return rep, nil
}

// relayTo listens on loopback and connects each accepted connection to
// backend, copying bytes both ways until either side closes; closing the
// listener stops accepting.
func relayTo(backend string) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go pipe(c, backend)
		}
	}()
	return ln, nil
}

func pipe(c net.Conn, backend string) {
	defer c.Close()
	b, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer b.Close()
	go func() {
		io.Copy(b, c) //nolint:errcheck // ends when either side closes
		b.Close()
		c.Close()
	}()
	io.Copy(c, b) //nolint:errcheck
}

// serve runs h on a loopback listener; closing the listener stops it.
func serve(h http.Handler) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go http.Serve(ln, h) //nolint:errcheck // ends when ln closes
	return ln, nil
}

// load runs o.Clients clients against url with Host bench.test for a
// short warm-up and then o.Duration, and counts the requests completed
// in the measured window.
func load(ctx context.Context, url string, o IngressOptions) (requests, errors int64) {
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: o.Clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var count, errs atomic.Int64
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range o.Clients {
		wg.Go(func() {
			for lctx.Err() == nil {
				req, _ := http.NewRequestWithContext(lctx, "GET", url, nil)
				req.Host = "bench.test"
				resp, err := c.Do(req)
				if err != nil {
					if lctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body) //nolint:errcheck
				resp.Body.Close()
				count.Add(1)
			}
		})
	}
	time.Sleep(o.Duration / 5) // warm-up: connections open, caches fill
	start := count.Load()
	time.Sleep(o.Duration)
	requests = count.Load() - start
	cancel()
	wg.Wait()
	return requests, errs.Load()
}

// benchTable routes host bench.test, path prefix /api, to the backend as
// the only endpoint of a Service, among a few other rules.
func benchTable(endpoint string) *ingress.Table {
	host, portStr, _ := net.SplitHostPort(endpoint)
	port, _ := strconv.Atoi(portStr)
	prefix := networkingv1.PathTypePrefix
	class := "orca"
	paths := []networkingv1.HTTPIngressPath{}
	for _, p := range []string{"/", "/api", "/static", "/api/v2"} {
		paths = append(paths, networkingv1.HTTPIngressPath{Path: p, PathType: &prefix, Backend: networkingv1.IngressBackend{
			Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}})
	}
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "web"},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{
			{Host: "bench.test", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}},
		}},
	}
	classes := ingress.OurClasses([]*networkingv1.IngressClass{{ObjectMeta: metav1.ObjectMeta{Name: class}, Spec: networkingv1.IngressClassSpec{Controller: ingress.ControllerName}}})
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "web"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}}}}
	name, p := "", int32(port)
	slice := &discoveryv1.EndpointSlice{AddressType: discoveryv1.AddressTypeIPv4,
		Ports:     []discoveryv1.EndpointPort{{Name: &name, Port: &p}},
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{host}}}}
	return ingress.Build([]*networkingv1.Ingress{ing}, classes, benchObjects{svc, slice})
}

type benchObjects struct {
	svc   *corev1.Service
	slice *discoveryv1.EndpointSlice
}

func (b benchObjects) Service(ns, name string) *corev1.Service { return b.svc }
func (b benchObjects) EndpointSlices(ns, svc string) []*discoveryv1.EndpointSlice {
	return []*discoveryv1.EndpointSlice{b.slice}
}
func (b benchObjects) Certificate(ns, name string) *tls.Certificate { return nil }
