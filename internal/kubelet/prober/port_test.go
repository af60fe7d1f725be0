package prober

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestResolvePort(t *testing.T) {
	c := &v1.Container{Ports: []v1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "zero", ContainerPort: 0}}}
	cases := []struct {
		port    intstr.IntOrString
		want    int
		wantErr string
	}{
		{port: intstr.FromInt32(80), want: 80},
		{port: intstr.FromString("http"), want: 8080},
		{port: intstr.FromString("9090"), want: 9090},
		{port: intstr.FromString("nope"), wantErr: `strconv.Atoi: parsing "nope": invalid syntax`},
		{port: intstr.FromInt32(0), wantErr: "invalid port number: 0"},
		{port: intstr.FromInt32(65536), wantErr: "invalid port number: 65536"},
		{port: intstr.FromString("zero"), wantErr: "invalid port number: 0"},
	}
	for _, tc := range cases {
		got, err := resolvePort(tc.port, c)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("resolvePort(%v) error %v, want %q", tc.port.String(), err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("resolvePort(%v) = %d, %v; want %d", tc.port.String(), got, err, tc.want)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	cases := []struct {
		name string
		kind probeKind
		in   v1.Probe
		want v1.Probe
	}{
		{"zero readiness", readiness, v1.Probe{}, v1.Probe{PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}},
		{"set readiness kept", readiness, v1.Probe{PeriodSeconds: 2, TimeoutSeconds: 3, SuccessThreshold: 4, FailureThreshold: 5, InitialDelaySeconds: 6},
			v1.Probe{PeriodSeconds: 2, TimeoutSeconds: 3, SuccessThreshold: 4, FailureThreshold: 5, InitialDelaySeconds: 6}},
		{"liveness success forced to 1", liveness, v1.Probe{SuccessThreshold: 4}, v1.Probe{PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}},
		{"startup success forced to 1", startup, v1.Probe{SuccessThreshold: 4, FailureThreshold: 30}, v1.Probe{PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 30}},
	}
	for _, tc := range cases {
		in := tc.in
		if got := withDefaults(&in, tc.kind); *got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, *got, tc.want)
		}
		if in != tc.in {
			t.Errorf("%s: input modified", tc.name)
		}
	}
}
