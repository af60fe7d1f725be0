package network

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

func TestRoutingChanged(t *testing.T) {
	base := node("b", []string{"10.244.1.0/24"}, "InternalIP=172.31.250.12")
	heartbeat := base.DeepCopy()
	heartbeat.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue}}
	heartbeat.ResourceVersion = "2"
	moved := base.DeepCopy()
	moved.Status.Addresses[0].Address = "172.31.250.22"
	recidr := base.DeepCopy()
	recidr.Spec.PodCIDRs = []string{"10.244.5.0/24"}
	for _, tt := range []struct {
		name string
		cur  *v1.Node
		want bool
	}{
		{"heartbeat", heartbeat, false},
		{"new address", moved, true},
		{"new pod CIDR", recidr, true},
	} {
		if got := routingChanged(base, tt.cur); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestPodNetworkKernel runs the pod network against the real kernel in a
// fresh network namespace: routes via netlink, the table via nft. A route
// someone else made must survive every sync; orca's follow the Nodes.
func TestPodNetworkKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("needs root (network namespaces, routes, nftables)")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	ns, err := netns.New() // this thread now lives in it; unnamed, gone when closed
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			t.Fatalf("back to the original netns: %v", err)
		}
		ns.Close()
	}()
	// Child processes (nft, ip) fork from this locked thread, so they run
	// in the test's namespace too.
	ip := func(args ...string) string {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// A veth pair stands in for the node's LAN interface (no dummy module here).
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "lan0"}, PeerName: "lan1"}); err != nil {
		t.Fatal(err)
	}
	ip("link", "set", "lan1", "up")
	ip("addr", "add", "172.31.251.1/24", "dev", "lan0")
	ip("link", "set", "lan0", "up")
	ip("route", "add", "10.244.9.0/24", "via", "172.31.251.99", "proto", "static")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := fake.NewSimpleClientset(
		node("a", []string{"10.244.0.0/24"}, "InternalIP=172.31.251.1"),
		node("b", []string{"10.244.1.0/24"}, "InternalIP=172.31.251.2"),
		node("c", []string{"10.244.2.0/24"}, "InternalIP=172.31.251.3"),
		// The foreign route already leads to d's CIDR: orca must not take it over.
		node("d", []string{"10.244.9.0/24"}, "InternalIP=172.31.251.4"),
	)
	factory := informers.NewSharedInformerFactory(client, 0)
	p, err := NewPodNetwork(PodNetworkConfig{NodeName: "a", ClusterCIDR: "10.244.0.0/16", Nodes: factory.Core().V1().Nodes()})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	if err := p.Sync(ctx); err == nil || !strings.Contains(err.Error(), "10.244.9.0/24") {
		t.Fatalf("Sync: %v, want an error about the route to d's CIDR that orca did not make", err)
	}
	wantRoutes := func(want ...string) {
		t.Helper()
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(ip("route", "show", "proto", "79")), "\n") {
			lines = append(lines, strings.TrimSpace(l))
		}
		got := strings.Join(lines, "\n")
		if got != strings.Join(want, "\n") {
			t.Fatalf("orca's routes:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
		}
		if foreign := ip("route", "show", "10.244.9.0/24"); !strings.Contains(foreign, "via 172.31.251.99") {
			t.Fatalf("someone else's route was touched: %q", foreign)
		}
	}
	wantRoutes("10.244.1.0/24 via 172.31.251.2 dev lan0", "10.244.2.0/24 via 172.31.251.3 dev lan0")
	out, err := exec.Command("nft", "list", "table", "inet", Table).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ip saddr 10.244.0.0/24 ip daddr != 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random") {
		t.Fatalf("nft list table: %v\n%s", err, out)
	}

	// b moves, c goes away.
	b, _ := client.CoreV1().Nodes().Get(ctx, "b", metav1.GetOptions{})
	b.Status.Addresses[0].Address = "172.31.251.22"
	if _, err := client.CoreV1().Nodes().Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"c", "d"} {
		if err := client.CoreV1().Nodes().Delete(ctx, gone, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	lister := factory.Core().V1().Nodes().Lister()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		nodes, _ := lister.List(labels.Everything())
		if len(nodes) == 2 && len(DesiredRoutes("a", nodes)) == 1 && DesiredRoutes("a", nodes)[0].Gateway.String() == "172.31.251.22" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the informer never saw the node changes")
		}
	}
	if err := p.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	wantRoutes("10.244.1.0/24 via 172.31.251.22 dev lan0")

	// A Docker-like host drops forwarded packets by default: the agent warns.
	if ForwardDropped(ctx) {
		t.Fatal("ForwardDropped without any filter table")
	}
	nft := func(args ...string) {
		if out, err := exec.Command("nft", args...).CombinedOutput(); err != nil {
			t.Fatalf("nft %v: %v\n%s", args, err, out)
		}
	}
	nft("add", "table", "ip", "filter")
	nft("add", "chain", "ip", "filter", "FORWARD", "{ type filter hook forward priority 0 ; policy drop ; }")
	if !ForwardDropped(ctx) {
		t.Fatal("ForwardDropped missed FORWARD's drop policy")
	}

	// Clean exit: the table goes, the routes stay.
	p.cleanup()
	if out, err := exec.Command("nft", "list", "table", "inet", Table).CombinedOutput(); err == nil {
		t.Fatalf("table %s still there after cleanup:\n%s", Table, out)
	}
	wantRoutes("10.244.1.0/24 via 172.31.251.22 dev lan0")
}
