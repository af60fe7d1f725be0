package prober

import (
	"net"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func tcpProbe(port intstr.IntOrString) *v1.Probe {
	return &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: port}}}
}

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, open := hostPort(t, l.Addr().String())
	closed := closedPort(t)
	c := &v1.Container{Name: "c", Ports: []v1.ContainerPort{{Name: "db", ContainerPort: int32(open)}}}

	cases := []struct {
		name    string
		port    intstr.IntOrString
		want    Result
		wantOut string
		wantErr bool
	}{
		{name: "open", port: intstr.FromInt32(int32(open)), want: Success},
		{name: "named", port: intstr.FromString("db"), want: Success},
		{name: "refused", port: intstr.FromInt32(int32(closed)), want: Failure, wantOut: "connect: connection refused"},
		{name: "bad port", port: intstr.FromInt32(70000), want: Unknown, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, out, err := runProbe(t, nil, tcpProbe(tc.port), c)
			if res != tc.want || (err != nil) != tc.wantErr || !strings.Contains(out, tc.wantOut) {
				t.Fatalf("= %v, %q, %v; want %v containing %q", res, out, err, tc.want, tc.wantOut)
			}
		})
	}
}
