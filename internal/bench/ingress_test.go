package bench

import (
	"context"
	"testing"
	"time"
)

// A short run of the ingress benchmark: every path answers, none fails.
func TestIngressBench(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Ingress(ctx, IngressOptions{Clients: 2, Duration: 200 * time.Millisecond, Rounds: 1, Body: 64})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 {
		t.Errorf("%d requests failed", rep.Errors)
	}
	for name, rate := range map[string]float64{"direct": rep.Direct, "ingress": rep.Ingress, "relay": rep.Relay} {
		if rate <= 0 {
			t.Errorf("%s: %v requests/s, want some", name, rate)
		}
	}
}
