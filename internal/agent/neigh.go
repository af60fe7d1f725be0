package agent

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"syscall"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/kubelet/cri"
)

// freshNeighbors is the runtime the kubelet sees on a real node: after a
// sandbox is created it drops the host's ARP entry for the pod's new IP on
// the pod bridge.
//
// Pod IPs are reused once host-local's range wraps around, and the host
// keeps neighbor entries of deleted pods indefinitely (a table below
// gc_thresh1 is never garbage-collected). The bridge plugin sends no
// gratuitous ARP, so the host would keep sending to the old pod's MAC for
// ~10 s (STALE → DELAY → PROBE → FAILED) before resolving the new one: no
// host → pod traffic (Service DNAT, NodePorts, probes) meanwhile.
type freshNeighbors struct {
	cri.Runtime
	bridge string
	log    *slog.Logger
}

func (r freshNeighbors) RunPodSandbox(ctx context.Context, cfg *runtimeapi.PodSandboxConfig, handler string) (string, error) {
	id, err := r.Runtime.RunPodSandbox(ctx, cfg, handler)
	if err != nil || cfg.GetLinux().GetSecurityContext().GetNamespaceOptions().GetNetwork() == runtimeapi.NamespaceMode_NODE {
		return id, err
	}
	st, serr := r.Runtime.PodSandboxStatus(ctx, id, false)
	if serr != nil || st.GetStatus().GetNetwork() == nil {
		return id, err
	}
	ips := []string{st.Status.Network.Ip}
	for _, a := range st.Status.Network.AdditionalIps {
		ips = append(ips, a.Ip)
	}
	for _, s := range ips {
		if ip := net.ParseIP(s); ip != nil {
			if err := forgetNeighbor(r.bridge, ip); err != nil {
				r.log.Debug("drop the host's neighbor entry of a new pod IP", "ip", s, "err", err)
			}
		}
	}
	return id, err
}

// forgetNeighbor deletes the neighbor (ARP/NDP) entry of ip on dev, like
// `ip neigh del IP dev DEV`; a missing entry is not an error.
func forgetNeighbor(dev string, ip net.IP) error {
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		return err
	}
	family, addr := syscall.AF_INET, []byte(ip.To4())
	if addr == nil {
		family, addr = syscall.AF_INET6, []byte(ip.To16())
	}
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	tv := syscall.Timeval{Sec: 2}
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	// nlmsghdr (16) + ndmsg (12) + rtattr NDA_DST (4 + address, 4-aligned).
	const hdr, ndmsg, ndaDst = 16, 12, 1
	attr := 4 + len(addr)
	b := make([]byte, hdr+ndmsg+(attr+3)&^3)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], syscall.RTM_DELNEIGH)
	ne.PutUint16(b[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_ACK)
	ne.PutUint32(b[8:], 1) // sequence number
	b[hdr] = byte(family)
	ne.PutUint32(b[hdr+4:], uint32(ifi.Index))
	ne.PutUint16(b[hdr+ndmsg:], uint16(attr))
	ne.PutUint16(b[hdr+ndmsg+2:], ndaDst)
	copy(b[hdr+ndmsg+4:], addr)
	if err := syscall.Sendto(fd, b, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return err
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Header.Type != syscall.NLMSG_ERROR || len(m.Data) < 4 {
			continue
		}
		switch errno := syscall.Errno(-int32(ne.Uint32(m.Data))); {
		case errno == 0, errno == syscall.ENOENT:
			return nil
		default:
			return fmt.Errorf("RTM_DELNEIGH %s dev %s: %w", ip, dev, errno)
		}
	}
	return errors.New("no netlink acknowledgement")
}
