package deps

import "testing"

func TestOptionsMaxEndpointsPerSlice(t *testing.T) {
	var o Options
	o.Defaults()
	if o.MaxEndpointsPerSlice != 100 || o.Validate() != nil {
		t.Fatalf("default %d (%v), want 100 and valid", o.MaxEndpointsPerSlice, o.Validate())
	}
	for _, n := range []int{-1, 1001} {
		o.MaxEndpointsPerSlice = n
		if o.Validate() == nil {
			t.Errorf("--max-endpoints-per-slice %d accepted", n)
		}
	}
}

func TestOptionsGCWorkers(t *testing.T) {
	var o Options
	o.Defaults()
	if o.GCWorkers != 20 {
		t.Fatalf("default --concurrent-gc-syncs %d, want 20", o.GCWorkers)
	}
	o.GCWorkers = -1
	if o.Validate() == nil {
		t.Error("--concurrent-gc-syncs -1 accepted")
	}
}
