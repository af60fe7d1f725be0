package controllers

import (
	"strings"
	"testing"
)

// The harness itself: the shared virtual nodes are Ready and kubectl runs.
func TestHarness(t *testing.T) {
	out := mustKubectl(t, "get", "nodes", "-l", "orca.dev/virtual=true", "-o", "name")
	if got := strings.Count(out, "node/shared-"); got < sharedNodes {
		t.Fatalf("kubectl get nodes: %d shared virtual nodes, want %d:\n%s", got, sharedNodes, out)
	}
}
