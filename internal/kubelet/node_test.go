package kubelet

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"

	"orca/internal/kubelet/sim"
)

// The node's status is written on change and otherwise every
// nodeStatusMaxAge (5 min, upstream's nodeStatusReportFrequency): checked
// every 10 s, an unchanged status goes out again at the check 5 min after
// the write, not the one 10 s later.
func TestNodeStatusReportFrequency(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	client := fake.NewSimpleClientset(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: testNode}})
	k := New(Config{
		NodeName: testNode, Client: client, Runtime: sim.New(sim.Options{}), RootDir: t.TempDir(), NoFiles: true,
		Clock:  clk,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	ctx := context.Background()
	// Each check compares against the stored node, as the informer's copy.
	check := func() {
		t.Helper()
		node, err := client.CoreV1().Nodes().Get(ctx, testNode, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := k.writeNodeStatus(ctx, node, false); err != nil {
			t.Fatal(err)
		}
	}
	writes := func() int {
		n := 0
		for _, a := range client.Actions() {
			if a.GetVerb() == "patch" && a.GetResource().Resource == "nodes" && a.GetSubresource() == "status" {
				n++
			}
		}
		return n
	}
	check()
	if writes() != 1 {
		t.Fatalf("first status: %d writes, want 1", writes())
	}
	// The ticks come a little before a minute's multiples of the write:
	// the write ended a moment after its own tick.
	clk.Step(nodeStatusCheck - time.Millisecond)
	check()
	for i := 2; i < int(nodeStatusMaxAge/nodeStatusCheck); i++ {
		clk.Step(nodeStatusCheck)
		check()
	}
	if writes() != 1 {
		t.Fatalf("unchanged status within %v: %d writes, want 1", nodeStatusMaxAge, writes())
	}
	if nodeStatusMaxAge != 5*time.Minute {
		t.Fatalf("nodeStatusMaxAge %v, want upstream's nodeStatusReportFrequency, 5m", nodeStatusMaxAge)
	}
	clk.Step(nodeStatusCheck) // the 300 s check, 1 ms short of 5 min since the write
	check()
	if writes() != 2 {
		t.Fatalf("at the 300 s check: %d writes, want 2", writes())
	}
}
