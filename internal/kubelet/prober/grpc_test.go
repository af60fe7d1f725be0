package prober

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	v1 "k8s.io/api/core/v1"
)

// grpcServer serves on loopback; with health, it registers the standard
// health service. It returns the port and the last User-Agent seen.
func grpcServer(t *testing.T, withHealth bool) (int, func() string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ua string
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		mu.Lock()
		ua = strings.Join(md.Get("user-agent"), ",")
		mu.Unlock()
		return h(ctx, req)
	}))
	if withHealth {
		hs := health.NewServer()
		hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
		hs.SetServingStatus("down", healthpb.HealthCheckResponse_NOT_SERVING)
		healthpb.RegisterHealthServer(srv, hs)
	}
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	_, port := hostPort(t, l.Addr().String())
	return port, func() string { mu.Lock(); defer mu.Unlock(); return ua }
}

func grpcProbe(port int, service *string) *v1.Probe {
	return &v1.Probe{ProbeHandler: v1.ProbeHandler{GRPC: &v1.GRPCAction{Port: int32(port), Service: service}}}
}

func ptr(s string) *string { return &s }

func TestGRPC(t *testing.T) {
	healthy, userAgentSeen := grpcServer(t, true)
	bare, _ := grpcServer(t, false)
	closed := closedPort(t)

	cases := []struct {
		name    string
		port    int
		service *string
		want    Result
		wantOut string // prefix
	}{
		{"serving", healthy, nil, Success, ""},
		{"serving by empty name", healthy, ptr(""), Success, ""},
		{"not serving", healthy, ptr("down"), Failure, `service unhealthy (responded with "NOT_SERVING")`},
		{"unknown service", healthy, ptr("nope"), Failure, "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"},
		{"no health service", bare, nil, Failure, "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"},
		{"refused", closed, nil, Failure, fmt.Sprintf(`error: failed to connect service at "127.0.0.1:%d": rpc error: code = Unavailable`, closed)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, out, err := runProbe(t, nil, grpcProbe(tc.port, tc.service), nil)
			if res != tc.want || err != nil || !strings.HasPrefix(out, tc.wantOut) {
				t.Fatalf("= %v, %q, %v; want %v starting %q", res, out, err, tc.want, tc.wantOut)
			}
		})
	}
	if ua := userAgentSeen(); !strings.HasPrefix(ua, "kube-probe/1.37") {
		t.Errorf("User-Agent %q", ua)
	}
}
