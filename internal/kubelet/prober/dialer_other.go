//go:build !unix

package prober

import "net"

// probeDialer is a plain dialer where SO_LINGER tuning is not available.
func probeDialer() *net.Dialer { return &net.Dialer{} }
