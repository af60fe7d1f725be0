package prober

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	remote "k8s.io/cri-client/pkg"
	utilexec "k8s.io/utils/exec"
)

// maxExecOutput caps the command output kept as the probe's message.
const maxExecOutput = 10 << 10

// runExec runs the command in the container through the runtime. Exit code
// 0 succeeds, any other fails with the output (stdout then stderr, as the
// kubelet's RunInContainer joins them), and a timeout fails with "command
// timed out". Other runtime errors (container gone, runtime down) are errors.
func (r *runner) runExec(ctx context.Context, a *v1.ExecAction, t Target, timeout time.Duration) (Result, string, error) {
	if r.exec == nil {
		return Unknown, "", errors.New("exec probe: no container runtime configured")
	}
	cmd := expandCommand(a.Command, t.Container)
	stdout, stderr, err := r.exec.ExecSync(ctx, t.ContainerID, cmd, timeout)
	out := capOutput(string(stdout) + string(stderr))
	var exit utilexec.ExitError
	switch {
	case err == nil:
		return Success, out, nil
	case errors.As(err, &exit):
		if exit.ExitStatus() == 0 {
			return Success, out, nil
		}
		return Failure, out, nil
	case errors.Is(err, remote.ErrCommandTimedOut):
		return Failure, err.Error(), nil
	case isTimeout(ctx, err):
		return Failure, fmt.Sprintf("%v: %q timed out after %s", remote.ErrCommandTimedOut, strings.Join(cmd, " "), timeout), nil
	default:
		return Unknown, "", err
	}
}

// isTimeout recognises a deadline hit inside the runtime call (a runtime
// that reports it without the CRI client's wrapping), but not the worker
// being stopped.
func isTimeout(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	return errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded
}

func capOutput(s string) string {
	if len(s) > maxExecOutput {
		s = s[:maxExecOutput]
	}
	return s
}
