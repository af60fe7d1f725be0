package proxy

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"github.com/vishvananda/netns"
)

// inNetns runs f in a new network namespace called name (tests and
// benchmarks: a throwaway node), on an OS thread locked into it, so
// sockets f opens and commands it runs (nft) live there. setup runs
// first, as `ip -n name ...` argument lists. The namespace is deleted
// afterwards.
func inNetns(name string, setup [][]string, f func() error) (err error) {
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns add %s: %v: %s", name, err, out)
	}
	defer func() {
		if out, derr := exec.Command("ip", "netns", "delete", name).CombinedOutput(); derr != nil && err == nil {
			err = fmt.Errorf("ip netns delete %s: %v: %s", name, derr, out)
		}
	}()
	for _, args := range setup {
		cmd := exec.Command("ip", append([]string{"-n", name}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("ip -n %s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
	}
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	ns, err := netns.GetFromName(name)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer ns.Close()
	if err := netns.Set(ns); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer func() {
		// A thread that cannot go back stays locked: Go then ends it
		// with the goroutine instead of reusing it in the wrong namespace.
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
	}()
	return f()
}
