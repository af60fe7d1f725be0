package prober

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// ExecRuntime runs a command in a container. Its signature matches
// k8s.io/cri-api's RuntimeService.ExecSync, so a CRI client fits directly.
type ExecRuntime interface {
	ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) (stdout, stderr []byte, err error)
}

// StateSource tells workers about containers as the kubelet sees them now.
//
// Ready and Started call it from the caller's goroutine, so it must not call
// back into the Manager nor wait on a lock the caller of Ready/Started holds.
type StateSource interface {
	// Container returns the current container's ID ("" if none yet), when it
	// started, and whether it is running.
	Container(podUID types.UID, name string) (id string, startedAt time.Time, running bool)
	// PodIP is the pod's primary IP, the default host of HTTP/TCP/gRPC probes.
	PodIP(podUID types.UID) string
}

// Options configures a Manager. State is required; everything else may be
// left zero.
type Options struct {
	// Runtime runs exec probes. Needed only if a pod has exec probes.
	Runtime ExecRuntime
	// State reports the current container instances.
	State StateSource
	// Clock drives the probe tickers and initial delays; nil means real time.
	Clock clock.WithTicker
	// Recorder receives "Unhealthy" and "ProbeWarning" events; may be nil.
	Recorder record.EventRecorder
	// OnChange is called (from a worker goroutine, no locks held) when a
	// readiness or startup result of the pod changed.
	OnChange func(podUID types.UID)
	// OnLivenessFailure is called once per container instance when its
	// liveness or startup probe failed failureThreshold times in a row. The
	// message is what the kubelet should log and put on its Killing event.
	OnLivenessFailure func(podUID types.UID, container, containerID string, message string)
	// Runner runs single probes; nil means the real one (exec via Runtime,
	// HTTP, TCP, gRPC).
	Runner Runner
}
