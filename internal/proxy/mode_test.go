package proxy

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestChooseMode: auto prefers nftables and falls back to iptables with a
// reason; a forced mode needs its tools; every failure names the Debian
// package to install.
func TestChooseMode(t *testing.T) {
	noNFT := errors.New("the nft command is missing; install the Debian package nftables")
	noIPT := errors.New("the iptables-restore command is missing; install the Debian package iptables")
	both := hostSupport{}
	cases := []struct {
		flag    string
		host    hostSupport
		want    Mode
		why     string // substring of the reason
		errWant string // substring of the error
	}{
		{"", both, ModeNFTables, "nftables is usable", ""},
		{"auto", both, ModeNFTables, "nftables is usable", ""},
		{"auto", hostSupport{nft: noNFT}, ModeIPTables, "nftables is not usable (the nft command is missing", ""},
		{"auto", hostSupport{iptables: noIPT}, ModeNFTables, "nftables is usable", ""},
		{"auto", hostSupport{nft: noNFT, iptables: noIPT}, "", "", "Debian package nftables (apt-get install nftables), or iptables"},
		{"nftables", hostSupport{iptables: noIPT}, ModeNFTables, "--proxy-mode=nftables", ""},
		{"nftables", hostSupport{nft: noNFT}, "", "", "Debian package nftables"},
		{"iptables", both, ModeIPTables, "--proxy-mode=iptables", ""},
		{"iptables", hostSupport{nft: noNFT}, ModeIPTables, "--proxy-mode=iptables", ""},
		{"iptables", hostSupport{iptables: noIPT}, "", "", "Debian package iptables"},
		{"ipvs", both, "", "", `unknown --proxy-mode "ipvs": want auto, nftables, iptables`},
	}
	for _, c := range cases {
		mode, why, err := chooseMode(c.flag, c.host)
		if c.errWant != "" {
			if err == nil || !strings.Contains(err.Error(), c.errWant) {
				t.Errorf("chooseMode(%q, %+v) = %s, %v; want an error containing %q", c.flag, c.host, mode, err, c.errWant)
			}
			continue
		}
		if err != nil || mode != c.want || !strings.Contains(why, c.why) {
			t.Errorf("chooseMode(%q, %+v) = %s (%q), %v; want %s (%q)", c.flag, c.host, mode, why, err, c.want, c.why)
		}
	}
}

// TestMissingIPTables: without the commands the iptables mode fails
// naming the Debian package.
func TestMissingIPTables(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := newIPTables(); err == nil || !strings.Contains(err.Error(), "Debian package iptables") {
		t.Errorf("newIPTables without iptables: %v, want an error naming the iptables package", err)
	}
}

// TestLogMode: the start-up line names the mode and why; the fallback of
// auto to iptables is a warning, a chosen iptables mode is not.
func TestLogMode(t *testing.T) {
	ipt, err := newIPTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		flag, want string
	}{
		{"auto", `level=WARN msg="service proxy: iptables mode, the fallback for hosts without nftables" why="nftables is not usable (no nft)`},
		{"iptables", `level=INFO msg="service proxy: iptables mode" why="--proxy-mode=iptables"`},
	} {
		mode, why, err := chooseMode(c.flag, hostSupport{nft: errors.New("no nft")})
		if err != nil {
			t.Fatal(err)
		}
		var log strings.Builder
		p := &Proxy{cfg: Config{Mode: c.flag, Logger: slog.New(slog.NewTextHandler(&log, nil))}, mode: mode, why: why, host: host{ipt: ipt}}
		p.logMode()
		if !strings.Contains(log.String(), c.want) {
			t.Errorf("--proxy-mode=%s: start-up log %q, want it to contain %q", c.flag, log.String(), c.want)
		}
	}
}
