package prober

import (
	"context"
	"errors"
	"net/http"
	"time"

	v1 "k8s.io/api/core/v1"
)

// Runner executes one probe once. Result is Success, Failure, Warning (a
// success worth an event) or Unknown; the string is the probe's output or
// failure message. An error means the probe could not be run at all (e.g. a
// named port that does not exist) and is retried, then discarded.
type Runner interface {
	Run(ctx context.Context, p *v1.Probe, target Target) (Result, string, error)
}

// Target is what a probe runs against.
type Target struct {
	PodIP       string
	ContainerID string
	Pod         *v1.Pod
	Container   *v1.Container
}

// The User-Agent upstream's kubelet sends on HTTP and gRPC probes,
// kube-probe/<major>.<minor> of the Kubernetes version served.
const userAgent = "kube-probe/1.37"

// runner is the real Runner: exec through the container runtime, HTTP, TCP
// and gRPC from the node.
type runner struct {
	exec ExecRuntime
	http *http.Transport
}

func newRunner(exec ExecRuntime) Runner {
	return &runner{exec: exec, http: newHTTPTransport()}
}

// Run dispatches on the probe's handler. Timeouts come from timeoutSeconds,
// which the worker has defaulted.
func (r *runner) Run(ctx context.Context, p *v1.Probe, t Target) (Result, string, error) {
	timeout := time.Duration(p.TimeoutSeconds) * time.Second
	switch {
	case p.Exec != nil:
		return r.runExec(ctx, p.Exec, t, timeout)
	case p.HTTPGet != nil:
		return r.runHTTP(ctx, p.HTTPGet, t, timeout)
	case p.TCPSocket != nil:
		return runTCP(ctx, p.TCPSocket, t, timeout)
	case p.GRPC != nil:
		return runGRPC(ctx, p.GRPC, t, timeout)
	default:
		return Unknown, "", errors.New("missing probe handler")
	}
}
