package bench

import (
	"context"

	"orca/internal/proxy"
)

// ProxyOptions size the Service proxy benchmark.
type ProxyOptions struct {
	Services, Endpoints, Changes int
}

// Proxy syncs Services × endpoints into a real nftables table in a
// throwaway network namespace, then changes one endpoint at a time.
func Proxy(ctx context.Context, o ProxyOptions) (*proxy.BenchReport, error) {
	return proxy.Bench(ctx, o.Services, o.Endpoints, o.Changes)
}
