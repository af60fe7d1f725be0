//go:build unix

package prober

import (
	"net"
	"syscall"
)

// probeDialer returns a dialer whose sockets close with a 1s linger, as
// upstream's: probes open a connection per run, and lingering in TIME_WAIT
// for a minute each can exhaust the node's ephemeral ports.
func probeDialer() *net.Dialer {
	return &net.Dialer{
		Control: func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) {
				_ = syscall.SetsockoptLinger(int(fd), syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 1})
			})
		},
	}
}
