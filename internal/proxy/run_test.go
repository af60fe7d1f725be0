package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// TestNetnsRun runs the proxy as the agent does (New on a shared informer
// factory, then Run) in a throwaway network namespace, in each mode: the
// rules follow the API objects, an EndpointSlice update reaches them, and
// when the context ends Run removes the rules and the Service CIDR route
// it added. The start-up log names the mode.
func TestNetnsRun(t *testing.T) {
	// rules lists a namespace's rules from outside (this goroutine's
	// thread is not in the namespace); left, from inside, what a clean
	// exit must have removed.
	modes := []struct {
		mode        string
		rules, left func(ns string) string
		logLine     string
	}{
		{"nftables", func(ns string) string {
			out, _ := exec.Command("ip", "netns", "exec", ns, "nft", "list", "table", "ip", tableName).CombinedOutput()
			return string(out)
		}, func(string) string {
			out, err := exec.Command("nft", "list", "table", "ip", tableName).CombinedOutput()
			if err != nil {
				return ""
			}
			return string(out)
		}, "nftables mode"},
		{"iptables", func(ns string) string {
			out, _ := exec.Command("ip", "netns", "exec", ns, "iptables-save", "-t", "nat").CombinedOutput()
			return string(out)
		}, func(string) string {
			if out := save("nat") + save("filter"); strings.Contains(out, "ORCA-") {
				return out
			}
			return ""
		}, "iptables mode"},
	}
	for _, m := range modes {
		t.Run(m.mode, func(t *testing.T) { testNetnsRun(t, m.mode, m.rules, m.left, m.logLine) })
	}
}

func testNetnsRun(t *testing.T, mode string, rules, left func(ns string) string, logLine string) {
	web := svc("default", "web", "10.96.0.20")
	client := fake.NewClientset(web, slice(web, "web-1", 8080, "10.244.5.10@node-a"))
	factory := informers.NewSharedInformerFactory(client, 0)
	ns := fmt.Sprintf("orca-proxy-run-%d", os.Getpid())
	setup := [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "node0", "type", "veth", "peer", "name", "peer0"},
		{"link", "set", "node0", "up"},
		{"link", "set", "peer0", "up"},
		{"addr", "add", "192.0.2.50/24", "dev", "node0"},
	}
	table := func() string { return rules(ns) }
	var log strings.Builder
	err := inNetns(ns, setup, func() error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p, err := New(Config{
			NodeName: "node-a", NodeIP: net.ParseIP("192.0.2.50"),
			ServiceCIDR: "10.96.0.0/12", ClusterCIDR: "10.244.0.0/16", Mode: mode,
			Logger: slog.New(slog.NewTextHandler(&log, nil)),
		}, factory)
		if err != nil {
			return err
		}
		factory.Start(ctx.Done())
		errs := make(chan error, 1)
		go func() {
			errs <- func() error {
				if err := poll(func() bool { return strings.Contains(table(), "10.244.5.10:8080") }); err != nil {
					return fmt.Errorf("first sync: %w\n%s", err, table())
				}
				sl := slice(web, "web-1", 8080, "10.244.5.11@node-a")
				if _, err := client.DiscoveryV1().EndpointSlices("default").Update(ctx, sl, metav1.UpdateOptions{}); err != nil {
					return err
				}
				if err := poll(func() bool {
					out := table()
					return strings.Contains(out, "10.244.5.11:8080") && !strings.Contains(out, "10.244.5.10:8080")
				}); err != nil {
					return fmt.Errorf("slice update: %w\n%s", err, table())
				}
				return nil
			}()
			cancel()
		}()
		p.Run(ctx)
		if err := <-errs; err != nil {
			return err
		}
		if out := left(ns); out != "" {
			return fmt.Errorf("rules left after a clean exit:\n%s", out)
		}
		if out, _ := exec.Command("ip", "route", "show", "10.96.0.0/12").CombinedOutput(); len(strings.TrimSpace(string(out))) > 0 {
			return fmt.Errorf("Service CIDR route left after a clean exit: %s", out)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), logLine) {
		t.Errorf("no start-up line naming the mode in the log:\n%s", log.String())
	}
}

func poll(cond func() bool) error {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
