// Package network sets up the node's pod network: the CNI configuration the
// runtime uses for every sandbox, from the node's pod CIDR; routes to the
// other nodes' pod CIDRs via their addresses (host-gateway); masquerading of
// pod traffic that leaves the cluster network (nftables table orca-network).
package network

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// Bridge is the Linux bridge the node's pods are attached to.
const Bridge = "orca0"

// ConfigFile is the CNI configuration list orca writes.
const ConfigFile = "10-orca.conflist"

// CNIConfig is the network configuration list for a pod CIDR: a bridge
// with host-local addresses from the CIDR (the bridge is the gateway) and
// portmap for hostPort. The runtime adds loopback itself.
//
// host-local keeps its allocations in ipamDir (empty: its default,
// /var/lib/cni/networks), so that agents sharing a machine (test hosts in
// network namespaces) keep apart. The bridge does not masquerade: its
// ipMasq would also hide pods' addresses from pods on other nodes; the
// agent's orca-network table masquerades only traffic leaving the cluster.
func CNIConfig(podCIDR, ipamDir string) ([]byte, error) {
	_, n, err := net.ParseCIDR(podCIDR)
	if err != nil {
		return nil, fmt.Errorf("pod CIDR %q: %w", podCIDR, err)
	}
	ipam := map[string]any{
		"type":   "host-local",
		"ranges": [][]map[string]string{{{"subnet": n.String()}}},
		"routes": []map[string]string{{"dst": defaultRoute(n)}},
	}
	if ipamDir != "" {
		ipam["dataDir"] = ipamDir
	}
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "orca",
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      Bridge,
				"isGateway":   true,
				"ipMasq":      false,
				"hairpinMode": true,
				"ipam":        ipam,
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	return json.MarshalIndent(conf, "", "  ")
}

func defaultRoute(n *net.IPNet) string {
	if n.IP.To4() != nil {
		return "0.0.0.0/0"
	}
	return "::/0"
}

// WriteCNIConfig writes the configuration atomically into dir, where the
// runtime watches for it.
func WriteCNIConfig(dir, podCIDR, ipamDir string) error {
	data, err := CNIConfig(podCIDR, ipamDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+ConfigFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ConfigFile))
}

// EnableForwarding turns on IPv4 forwarding, which routed pod traffic needs.
func EnableForwarding() error {
	return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644)
}
