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
// factory, then Run) in a throwaway network namespace: the table follows
// the API objects, an EndpointSlice update reaches it, and when the context
// ends Run deletes the table and the Service CIDR route it added.
func TestNetnsRun(t *testing.T) {
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
	// table lists the namespace's table from outside (this goroutine's
	// thread is not in the namespace).
	table := func() string {
		out, _ := exec.Command("ip", "netns", "exec", ns, "nft", "list", "table", "ip", tableName).CombinedOutput()
		return string(out)
	}
	var log strings.Builder
	err := inNetns(ns, setup, func() error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p, err := New(Config{
			NodeName: "node-a", NodeIP: net.ParseIP("192.0.2.50"),
			ServiceCIDR: "10.96.0.0/12", ClusterCIDR: "10.244.0.0/16",
			Logger: slog.New(slog.NewTextHandler(&log, nil)),
		}, factory)
		if err != nil {
			return err
		}
		factory.Start(ctx.Done())
		errs := make(chan error, 1)
		go func() {
			errs <- func() error {
				if err := poll(func() bool { return strings.Contains(table(), "dnat to 10.244.5.10:8080") }); err != nil {
					return fmt.Errorf("first sync: %w\n%s", err, table())
				}
				sl := slice(web, "web-1", 8080, "10.244.5.11@node-a")
				if _, err := client.DiscoveryV1().EndpointSlices("default").Update(ctx, sl, metav1.UpdateOptions{}); err != nil {
					return err
				}
				if err := poll(func() bool { return strings.Contains(table(), "dnat to 10.244.5.11:8080") }); err != nil {
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
		if out, err := exec.Command("nft", "list", "table", "ip", tableName).CombinedOutput(); err == nil {
			return fmt.Errorf("table left after a clean exit:\n%s", out)
		}
		if out, _ := exec.Command("ip", "route", "show", "10.96.0.0/12").CombinedOutput(); len(strings.TrimSpace(string(out))) > 0 {
			return fmt.Errorf("Service CIDR route left after a clean exit: %s", out)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "nftables mode") {
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
