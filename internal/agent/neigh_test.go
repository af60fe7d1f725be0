package agent

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestForgetNeighbor adds a stale ARP entry on a test bridge and expects
// forgetNeighbor to remove it, and to accept an entry that is not there.
func TestForgetNeighbor(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("MISSING PREREQUISITE (CI is set): root, to change the host's neighbor table")
		}
		t.Skip("SKIPPING — MISSING PREREQUISITE: root, to change the host's neighbor table (set CI=1 to make this a failure)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("iproute2's ip is needed to set up the test link: %v", err)
	}
	dev := fmt.Sprintf("orcant%d", os.Getpid()%100000)
	ip := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
		return string(out)
	}
	ip("link", "add", dev, "type", "bridge")
	t.Cleanup(func() { exec.Command("ip", "link", "del", dev).Run() }) //nolint:errcheck
	ip("addr", "add", "10.254.254.1/24", "dev", dev)
	ip("link", "set", dev, "up")
	ip("neigh", "replace", "10.254.254.7", "lladdr", "02:00:00:00:00:07", "dev", dev, "nud", "stale")
	if out := ip("neigh", "show", "10.254.254.7", "dev", dev); !strings.Contains(out, "02:00:00:00:00:07") {
		t.Fatalf("test setup: the stale entry is not there: %q", out)
	}
	if err := forgetNeighbor(dev, net.ParseIP("10.254.254.7")); err != nil {
		t.Fatalf("forgetNeighbor: %v", err)
	}
	if out := ip("neigh", "show", "10.254.254.7", "dev", dev); strings.Contains(out, "lladdr") {
		t.Errorf("the entry is still there: %q", out)
	}
	if err := forgetNeighbor(dev, net.ParseIP("10.254.254.8")); err != nil {
		t.Errorf("forgetNeighbor of an IP without an entry: %v, want nil", err)
	}
	if err := forgetNeighbor("orca-no-such-dev", net.ParseIP("10.254.254.8")); err == nil {
		t.Errorf("forgetNeighbor on a missing device: no error")
	}
}
