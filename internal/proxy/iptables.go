package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// iptables runs the iptables commands: the I/O of the iptables mode, whose
// rules come from iptablesRules.
type iptables struct {
	restoreCmd, saveCmd, cmd string
}

// newIPTables finds the commands, failing clearly when one is missing.
func newIPTables() (*iptables, error) {
	var paths [3]string
	for i, name := range []string{"iptables-restore", "iptables-save", "iptables"} {
		p, err := exec.LookPath(name)
		if err != nil {
			return nil, fmt.Errorf("the %s command is missing; install the Debian package iptables (apt-get install iptables)", name)
		}
		paths[i] = p
	}
	return &iptables{restoreCmd: paths[0], saveCmd: paths[1], cmd: paths[2]}, nil
}

// restore applies a restore input without touching chains it does not
// name (--noflush); it is one atomic commit per table.
func (i *iptables) restore(ctx context.Context, data []byte) error {
	cmd := exec.CommandContext(ctx, i.restoreCmd, "-w", "--noflush")
	cmd.Stdin = bytes.NewReader(data)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("iptables-restore: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// chains lists the table's ORCA- chains.
func (i *iptables) chains(ctx context.Context, table string) ([]string, error) {
	out, err := exec.CommandContext(ctx, i.saveCmd, "-t", table).Output()
	if err != nil {
		return nil, fmt.Errorf("iptables-save -t %s: %w", table, err)
	}
	return orcaChains(out), nil
}

// ensureJumps inserts the jumps that are missing, at the top of their
// built-in chains (in reverse, so they keep the list's order); it returns
// how many it inserted.
func (i *iptables) ensureJumps(ctx context.Context, jumps []iptJump) (int, error) {
	inserted := 0
	for k := len(jumps) - 1; k >= 0; k-- {
		j := jumps[k]
		ok, err := i.hasRule(ctx, j)
		if err != nil {
			return inserted, err
		}
		if ok {
			continue
		}
		args := append([]string{"-w", "-t", j.table, "-I", j.chain, "1"}, j.args...)
		if out, err := exec.CommandContext(ctx, i.cmd, args...).CombinedOutput(); err != nil {
			return inserted, fmt.Errorf("iptables %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		inserted++
	}
	return inserted, nil
}

// hasRule checks a rule with -C: exit status 1 means it is not there.
func (i *iptables) hasRule(ctx context.Context, j iptJump) (bool, error) {
	args := append([]string{"-w", "-t", j.table, "-C", j.chain}, j.args...)
	out, err := exec.CommandContext(ctx, i.cmd, args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return false, nil
	}
	return false, fmt.Errorf("iptables %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
}

// cleanup removes everything the iptables mode wrote: the jumps (each as
// often as it is there), then the ORCA- chains. Other chains and tables
// are never touched. A host without ORCA- chains is left alone.
func (i *iptables) cleanup(ctx context.Context) error {
	chains := map[string][]string{}
	exists := map[string]bool{}
	for _, table := range []string{"nat", "filter"} {
		names, err := i.chains(ctx, table)
		if err != nil {
			return err
		}
		chains[table] = names
		for _, n := range names {
			exists[table+"/"+n] = true
		}
	}
	if len(chains["nat"])+len(chains["filter"]) == 0 {
		return nil
	}
	for _, j := range iptablesJumps() {
		if !exists[j.table+"/"+j.args[len(j.args)-1]] {
			continue
		}
		for n := 0; n < 10; n++ {
			ok, err := i.hasRule(ctx, j)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			args := append([]string{"-w", "-t", j.table, "-D", j.chain}, j.args...)
			if out, err := exec.CommandContext(ctx, i.cmd, args...).CombinedOutput(); err != nil {
				return fmt.Errorf("iptables %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
			}
		}
	}
	return i.restore(ctx, iptablesCleanup(chains))
}

// version is `iptables --version` (it names the nf_tables or legacy
// backend), for the start-up log.
func (i *iptables) version() string {
	out, err := exec.Command(i.cmd, "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
