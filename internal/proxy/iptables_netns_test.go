package proxy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNetnsIPTables runs the iptables mode against the real kernel in a
// throwaway network namespace (a "node" 192.0.2.50 with "pod" addresses
// 10.244.5.10 and .11, no default route), as TestNetnsProxy does for
// nftables: ClusterIP and NodePort reach the pod; a Service without
// endpoints, a port the Service lacks and an unused NodePort are refused at
// once; an unallocated Service address is dropped; random balancing
// reaches both endpoints while ClientIP affinity keeps a client on one;
// when the endpoints go away connections are refused, the UDP flow's
// conntrack entry and the chains of gone endpoints and Services are
// deleted; a second sync adds no second jump, and a flushed PREROUTING
// gets it back; chains left by an earlier run are deleted; cleanup leaves
// no ORCA- chain and no jump.
func TestNetnsIPTables(t *testing.T) {
	ns := fmt.Sprintf("orca-ipt-test-%d", os.Getpid())
	setup := [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "node0", "type", "veth", "peer", "name", "peer0"},
		{"link", "set", "peer0", "up"},
		{"link", "set", "node0", "up"},
		{"addr", "add", "192.0.2.50/24", "dev", "node0"},
		{"addr", "add", "10.244.5.10/24", "dev", "node0"},
		{"addr", "add", "10.244.5.11/24", "dev", "node0"},
		{"addr", "add", "198.51.100.7/32", "dev", "node0"},
		{"addr", "add", "203.0.113.9/32", "dev", "node0"},
	}
	err := inNetns(ns, setup, func() error {
		for addr, name := range map[string]string{"10.244.5.10:8080": "pod-a", "10.244.5.11:8080": "pod-b"} {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			defer ln.Close()
			go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, name) }))
		}
		udpConn, err := net.ListenPacket("udp", "10.244.5.10:5353")
		if err != nil {
			return err
		}
		defer udpConn.Close()
		go echoUDP(udpConn)

		ipt, err := newIPTables()
		if err != nil {
			return err
		}
		src := newStaticSource()
		dns := svc("default", "dns", "10.96.0.30", udp)
		src.set(dns, slice(dns, "dns-1", 5353, "10.244.5.10@node-a"))
		web := svc("default", "web", "10.96.0.20", nodePort(30080))
		src.set(web, slice(web, "web-1", 8080, "10.244.5.10@node-a"))
		src.set(svc("default", "none", "10.96.0.22"))
		spread := svc("default", "spread", "10.96.0.51")
		src.set(spread, slice(spread, "spread-1", 8080, "10.244.5.10@node-a", "10.244.5.11@node-a"))
		sticky := svc("default", "sticky", "10.96.0.50", affinity(60))
		src.set(sticky, slice(sticky, "sticky-1", 8080, "10.244.5.10@node-a", "10.244.5.11@node-a"))
		src.set(firewalledLB(), slice(firewalledLB(), "fw-1", 8080, "10.244.5.10@node-a"))

		px := newIPTablesProxier(testParams, ipt, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
		remove, err := routeServiceCIDR(testParams.ServiceCIDR, net.ParseIP("192.0.2.50"))
		if err != nil || remove == nil {
			return fmt.Errorf("route the Service CIDR in a namespace without a default route: %v (added: %v)", err, remove != nil)
		}
		defer remove()
		// A chain left by an agent that was killed: the first (full)
		// sync finds and deletes it.
		if out, err := exec.Command("iptables", "-t", "nat", "-N", "ORCA-SEP-LEFTOVER0000000").CombinedOutput(); err != nil {
			return fmt.Errorf("iptables -N: %v: %s", err, out)
		}
		ctx := context.Background()
		if err := px.sync(ctx, true); err != nil {
			return err
		}
		if out := save("nat"); strings.Contains(out, "LEFTOVER") {
			return fmt.Errorf("a leftover chain survived the full sync:\n%s", out)
		}
		if out := save("nat"); !strings.Contains(out, "-A PREROUTING -m comment --comment \"orca service portals\" -j ORCA-SERVICES") ||
			!strings.Contains(out, "--to-destination 10.244.5.10:8080") {
			return fmt.Errorf("iptables-save -t nat lacks the jump or the DNAT:\n%s", out)
		}
		for _, addr := range []string{"10.96.0.20:80", "192.0.2.50:30080"} {
			if body, err := get(addr); err != nil || body != "pod-a" {
				return fmt.Errorf("GET %s = %q, %v; want pod-a", addr, body, err)
			}
		}
		for _, addr := range []string{"10.96.0.22:80", "10.96.0.20:81", "192.0.2.50:30099"} {
			if err := refused(addr); err != nil {
				return err
			}
		}
		if _, err := get("10.96.0.99:80"); err == nil || !isTimeout(err) {
			return fmt.Errorf("unallocated Service address: %v, want a timeout (dropped)", err)
		}
		if err := checkSourceRanges(); err != nil {
			return err
		}
		if seen := bodies("10.96.0.51:80", 40); !seen["pod-a"] || !seen["pod-b"] {
			return fmt.Errorf("random balancing over 40 connections reached %v, want pod-a and pod-b", seen)
		}
		if seen := bodies("10.96.0.50:80", 20); len(seen) != 1 {
			return fmt.Errorf("ClientIP affinity: 20 connections from one client reached %v, want one endpoint", seen)
		}

		if err := udpRoundTrip("10.96.0.30:53"); err != nil {
			return err
		}
		if n := udpFlows("10.96.0.30", "10.244.5.10"); n != 1 {
			return fmt.Errorf("%d conntrack entries for the UDP Service, want 1", n)
		}

		webSEP := iptEndpointChain(servicePorts(web)[0], endpoint{ip: "10.244.5.10", port: 8080})
		spreadSVC := iptChainsOf(servicePorts(spread)[0]).cluster
		src.set(web)
		src.set(dns)
		src.remove("default/spread")
		px.changed("default/web")
		px.changed("default/dns")
		px.changed("default/spread")
		if err := px.sync(ctx, false); err != nil {
			return err
		}
		if err := refused("10.96.0.20:80"); err != nil {
			return fmt.Errorf("after the endpoint went away: %w", err)
		}
		if n := udpFlows("10.96.0.30", "10.244.5.10"); n != 0 {
			return fmt.Errorf("%d conntrack entries to the removed UDP endpoint, want 0", n)
		}
		if out := save("nat"); strings.Contains(out, webSEP) || strings.Contains(out, spreadSVC) {
			return fmt.Errorf("the chains %s (endpoint gone) and %s (Service deleted) were not deleted:\n%s", webSEP, spreadSVC, out)
		}
		if n := strings.Count(save("nat"), "-A PREROUTING -m comment --comment \"orca service portals\""); n != 1 {
			return fmt.Errorf("%d jumps from PREROUTING after two syncs, want 1", n)
		}

		// A firewall reload flushed PREROUTING: the periodic check puts
		// the jump back.
		if out, err := exec.Command("iptables", "-t", "nat", "-F", "PREROUTING").CombinedOutput(); err != nil {
			return fmt.Errorf("iptables -F: %v: %s", err, out)
		}
		px.checkJumps(ctx)
		if n := strings.Count(save("nat"), "-A PREROUTING -m comment --comment \"orca service portals\""); n != 1 {
			return fmt.Errorf("%d jumps from PREROUTING after the check, want 1", n)
		}
		if body, err := get("10.96.0.50:80"); err != nil || !strings.HasPrefix(body, "pod-") {
			return fmt.Errorf("GET through the VIP after the jump was put back: %q, %v", body, err)
		}

		if err := px.teardown(ctx); err != nil {
			return err
		}
		for _, table := range []string{"nat", "filter"} {
			if out := save(table); strings.Contains(out, "ORCA-") {
				return fmt.Errorf("ORCA- chains or jumps left in %s after cleanup:\n%s", table, out)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// save is iptables-save of one table, in this thread's namespace.
func save(table string) string {
	out, err := exec.Command("iptables-save", "-t", table).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("iptables-save: %v: %s", err, out)
	}
	return string(out)
}

// bodies GETs addr n times, each on a new connection, and returns the
// bodies seen.
func bodies(addr string, n int) map[string]bool {
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		body, err := get(addr)
		if err != nil {
			body = "error: " + err.Error()
		}
		seen[body] = true
	}
	return seen
}
