package prober

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// hostPort splits a test server's URL or address into host and port.
func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		addr = u.Host
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port := hostPort(t, l.Addr().String())
	l.Close()
	return port
}

// runProbe runs p with the real runner against a loopback pod IP.
func runProbe(t *testing.T, exec ExecRuntime, p *v1.Probe, c *v1.Container) (Result, string, error) {
	t.Helper()
	if c == nil {
		c = &v1.Container{Name: "c"}
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	target := Target{PodIP: "127.0.0.1", ContainerID: "cid", Pod: testPod("u", *c), Container: c}
	return newRunner(exec).Run(context.Background(), p, target)
}
