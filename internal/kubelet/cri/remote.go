// Package cri connects the kubelet to a container runtime over the CRI gRPC
// API. The kubelet sees only k8s.io/cri-api's interfaces, so the real
// runtime (containerd) and the simulated one are interchangeable.
package cri

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	criapi "k8s.io/cri-api/pkg/apis"
	remote "k8s.io/cri-client/pkg"
)

// Runtime is everything the kubelet asks of a container runtime.
type Runtime interface {
	criapi.RuntimeService
	criapi.ImageManagerService
}

type remoteRuntime struct {
	criapi.RuntimeService
	criapi.ImageManagerService
}

// Close closes both gRPC connections.
func (r remoteRuntime) Close(ctx context.Context) error {
	err := r.RuntimeService.Close(ctx)
	if err2 := r.ImageManagerService.Close(ctx); err == nil {
		err = err2
	}
	return err
}

// Connect dials a CRI endpoint such as unix:///run/containerd/containerd.sock.
func Connect(ctx context.Context, endpoint string) (Runtime, error) {
	tp := noop.NewTracerProvider()
	rs, err := remote.NewRemoteRuntimeService(ctx, endpoint, 10*time.Second, tp, false)
	if err != nil {
		return nil, fmt.Errorf("connect to CRI runtime at %s: %w", endpoint, err)
	}
	is, err := remote.NewRemoteImageService(ctx, endpoint, 10*time.Second, tp, false)
	if err != nil {
		return nil, fmt.Errorf("connect to CRI image service at %s: %w", endpoint, err)
	}
	return remoteRuntime{rs, is}, nil
}
