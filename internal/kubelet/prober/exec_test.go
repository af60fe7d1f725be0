package prober

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	remote "k8s.io/cri-client/pkg"
	utilexec "k8s.io/utils/exec"
)

// fakeExec records the call and answers with canned output.
type fakeExec struct {
	stdout, stderr string
	err            error

	id      string
	cmd     []string
	timeout time.Duration
}

func (f *fakeExec) ExecSync(_ context.Context, id string, cmd []string, timeout time.Duration) ([]byte, []byte, error) {
	f.id, f.cmd, f.timeout = id, cmd, timeout
	return []byte(f.stdout), []byte(f.stderr), f.err
}

func exitCode(n int) error {
	return utilexec.CodeExitError{Err: fmt.Errorf("command exited with %d", n), Code: n}
}

func TestExec(t *testing.T) {
	timedOut := fmt.Errorf("%w: %q timed out after %s", remote.ErrCommandTimedOut, "check", 2*time.Second)
	cases := []struct {
		name    string
		fake    fakeExec
		want    Result
		wantOut string
		wantErr bool
	}{
		{name: "exit 0", fake: fakeExec{stdout: "ok\n"}, want: Success, wantOut: "ok\n"},
		{name: "exit 1 keeps output", fake: fakeExec{stdout: "out ", stderr: "err", err: exitCode(1)}, want: Failure, wantOut: "out err"},
		{name: "exit error with status 0", fake: fakeExec{err: exitCode(0)}, want: Success},
		{name: "CRI client timeout", fake: fakeExec{err: timedOut}, want: Failure, wantOut: `command timed out: "check" timed out after 2s`},
		{name: "bare deadline", fake: fakeExec{err: context.DeadlineExceeded}, want: Failure, wantOut: `command timed out: "check" timed out after 2s`},
		{name: "gRPC deadline", fake: fakeExec{err: status.Error(codes.DeadlineExceeded, "late")}, want: Failure, wantOut: `command timed out: "check" timed out after 2s`},
		{name: "runtime error", fake: fakeExec{err: status.Error(codes.NotFound, "no such container")}, want: Unknown, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := tc.fake
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"check"}}}, TimeoutSeconds: 2}
			res, out, err := runProbe(t, &fake, p, nil)
			if res != tc.want || out != tc.wantOut || (err != nil) != tc.wantErr {
				t.Fatalf("= %v, %q, %v; want %v, %q", res, out, err, tc.want, tc.wantOut)
			}
			if fake.id != "cid" || fake.timeout != 2*time.Second {
				t.Fatalf("ExecSync(%q, timeout %v)", fake.id, fake.timeout)
			}
		})
	}
}

func TestExecExpandsEnvAndCapsOutput(t *testing.T) {
	fake := fakeExec{stdout: strings.Repeat("x", 3*maxExecOutput)}
	c := &v1.Container{Name: "c", Env: []v1.EnvVar{{Name: "PORT", Value: "8080"}}}
	p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"curl", "localhost:$(PORT)"}}}}
	res, out, err := runProbe(t, &fake, p, c)
	if res != Success || len(out) != 10*1024 || err != nil {
		t.Fatalf("= %v, %d bytes, %v", res, len(out), err)
	}
	if want := []string{"curl", "localhost:8080"}; !reflect.DeepEqual(fake.cmd, want) {
		t.Fatalf("cmd %q, want %q", fake.cmd, want)
	}
}

func TestExecWithoutRuntime(t *testing.T) {
	p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}}
	if res, _, err := runProbe(t, nil, p, nil); res != Unknown || err == nil {
		t.Fatalf("= %v, %v; want an error", res, err)
	}
}

func TestNoHandler(t *testing.T) {
	if _, _, err := runProbe(t, nil, &v1.Probe{}, nil); err == nil {
		t.Fatal("a probe without a handler ran")
	}
}

func TestExpandCommand(t *testing.T) {
	c := &v1.Container{Env: []v1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", ValueFrom: &v1.EnvVarSource{}}}}
	if got := expandCommand([]string{"$(A)", "$(B)"}, c); !reflect.DeepEqual(got, []string{"1", "$(B)"}) {
		t.Errorf("expandCommand = %q", got)
	}
}
