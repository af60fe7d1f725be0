package proxy

import (
	"fmt"
	"strings"
)

// Mode is how the proxy programs the kernel (kube-proxy's --proxy-mode).
type Mode string

const (
	// ModeAuto uses nftables where it works, else iptables-restore.
	ModeAuto Mode = "auto"
	// ModeNFTables writes the table ip orca-proxy through knftables.
	ModeNFTables Mode = "nftables"
	// ModeIPTables writes ORCA- chains in the nat and filter tables with
	// iptables-restore: the fallback for hosts without nftables.
	ModeIPTables Mode = "iptables"
)

// hostSupport is what the host offers; a nil error means usable.
type hostSupport struct {
	nft      error // the nft command and the kernel's nf_tables
	iptables error // iptables-restore, iptables-save and iptables
}

// chooseMode picks the mode for the --proxy-mode flag (empty: auto) and
// says why, for the start-up log. It fails, naming the Debian package to
// install, when the mode asked for (or, for auto, neither) can be used.
func chooseMode(flag string, h hostSupport) (mode Mode, why string, err error) {
	switch Mode(flag) {
	case "", ModeAuto:
		if h.nft == nil {
			return ModeNFTables, "nftables is usable (--proxy-mode=auto)", nil
		}
		if h.iptables == nil {
			return ModeIPTables, fmt.Sprintf("nftables is not usable (%v); falling back to iptables-restore (--proxy-mode=auto)", h.nft), nil
		}
		return "", "", fmt.Errorf("service proxy: neither nftables (%v) nor iptables (%v) is usable; install the Debian package nftables (apt-get install nftables), or iptables for the iptables-restore fallback",
			h.nft, h.iptables)
	case ModeNFTables:
		if h.nft != nil {
			return "", "", fmt.Errorf("service proxy: --proxy-mode=nftables: %w", h.nft)
		}
		return ModeNFTables, "--proxy-mode=nftables", nil
	case ModeIPTables:
		if h.iptables != nil {
			return "", "", fmt.Errorf("service proxy: --proxy-mode=iptables: %w", h.iptables)
		}
		return ModeIPTables, "--proxy-mode=iptables", nil
	}
	return "", "", fmt.Errorf("service proxy: unknown --proxy-mode %q: want %s", flag, strings.Join(Modes(), ", "))
}

// Modes lists the --proxy-mode values.
func Modes() []string { return []string{string(ModeAuto), string(ModeNFTables), string(ModeIPTables)} }
