package bench

import "testing"

func TestWritesCountsOnlyChanges(t *testing.T) {
	reqs := []requestRate{
		{Verb: "create", Resource: "pods", Count: 100},
		{Verb: "patch", Resource: "pods", Subresource: "status", Count: 200},
		{Verb: "create", Resource: "events", Count: 50},
		{Verb: "update", Resource: "leases", Count: 7},
		{Verb: "delete", Resource: "pods", Count: 3},
		{Verb: "get", Resource: "pods", Count: 1000},
		{Verb: "list", Resource: "pods", Count: 5},
		{Verb: "watch", Resource: "pods", Count: 9},
	}
	if got := writes(reqs); got != 360 {
		t.Errorf("writes = %v, want 360", got)
	}
}
