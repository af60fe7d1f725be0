package bench

import (
	"context"

	"orca/internal/proxy"
)

// ProxyOptions size the Service proxy benchmark.
type ProxyOptions struct {
	// Mode is nftables (default) or iptables.
	Mode                         string
	Services, Endpoints, Changes int
}

// Proxy syncs Services × endpoints into the real kernel (an nftables table,
// or iptables chains) in a throwaway network namespace, then changes one
// endpoint at a time.
func Proxy(ctx context.Context, o ProxyOptions) (*proxy.BenchReport, error) {
	return proxy.Bench(ctx, proxy.Mode(o.Mode), o.Services, o.Endpoints, o.Changes)
}
