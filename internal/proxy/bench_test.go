package proxy

import (
	"context"
	"testing"

	"sigs.k8s.io/knftables"
)

func benchSource(services, endpoints int) *staticSource {
	src := newStaticSource()
	for i := 0; i < services; i++ {
		s, sl := benchService(i, endpoints, 0)
		src.set(s, sl)
	}
	return src
}

// BenchmarkGenerateFull: rules of 1,000 Services × 10 endpoints and the
// full transaction text.
func BenchmarkGenerateFull(b *testing.B) {
	src := benchSource(1000, 10)
	for b.Loop() {
		st := stateOf(src)
		tx := knftables.NewFake(knftables.IPv4Family, tableName).NewTransaction()
		writeFull(tx, testParams, st, nil, nil)
		_ = tx.String()
	}
}

// BenchmarkGeneratePartial: one endpoint change among 1,000 Services,
// regenerated and diffed.
func BenchmarkGeneratePartial(b *testing.B) {
	src := benchSource(1000, 10)
	old := stateOf(src)
	s, sl := benchService(500, 10, 1)
	key := src.set(s, sl)
	for b.Loop() {
		next := make(state, len(old))
		for k, v := range old {
			next[k] = v
		}
		svc, slices := src.service(key)
		next[key] = serviceRulesFor(testParams, svc, slices)
		tx := knftables.NewFake(knftables.IPv4Family, tableName).NewTransaction()
		writePartial(tx, old, next, []string{key})
		_ = tx.String()
	}
}

// TestBench runs the real-kernel benchmark small in both modes, so it
// keeps working.
func TestBench(t *testing.T) {
	for _, mode := range []Mode{ModeNFTables, ModeIPTables} {
		rep, err := Bench(context.Background(), mode, 20, 3, 3)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if rep.Chains != 20*4 || len(rep.Change) != 3 {
			t.Errorf("%s: report %+v: want 80 chains and 3 changes", mode, rep)
		}
	}
}

// BenchmarkGenerateIPTables: the iptables-restore input of 1,000 Services
// × 10 endpoints (what every iptables sync writes).
func BenchmarkGenerateIPTables(b *testing.B) {
	src := benchSource(1000, 10)
	for b.Loop() {
		_, _ = rulesetOf(src).restoreInput(nil, nil)
	}
}
