package framework

import (
	"fmt"
	"sync"
)

// StateData is anything a plugin computes once per cycle (usually in
// PreFilter/PreScore) and reads back per node.
type StateData interface {
	// Clone lets a copy of the cycle (e.g. for preemption what-ifs) mutate
	// its data without touching the original. Read-only data may return itself.
	Clone() StateData
}

// CycleState is the per-scheduling-cycle key/value store. Writes happen in
// PreFilter/PreScore; reads happen concurrently from Filter/Score on every
// node, so reads must not contend: sync.Map loads are lock-free where an
// RWMutex would bounce one cache line between all workers.
type CycleState struct {
	data sync.Map // string -> StateData
	// skipFilter / skipScore are the plugins that returned Skip this cycle.
	skipFilter map[string]bool
	skipScore  map[string]bool
}

// NewCycleState returns an empty state for one scheduling attempt.
func NewCycleState() *CycleState {
	return &CycleState{skipFilter: map[string]bool{}, skipScore: map[string]bool{}}
}

// Read returns the data stored under key or an error naming the key.
func (c *CycleState) Read(key string) (StateData, error) {
	if v, ok := c.data.Load(key); ok {
		return v.(StateData), nil
	}
	return nil, fmt.Errorf("reading %q from cycleState: not found", key)
}

// Write stores data under key, replacing any previous value.
func (c *CycleState) Write(key string, v StateData) {
	c.data.Store(key, v)
}

// Delete removes key.
func (c *CycleState) Delete(key string) {
	c.data.Delete(key)
}

// Clone deep-copies the store through each value's Clone.
func (c *CycleState) Clone() *CycleState {
	if c == nil {
		return nil
	}
	out := NewCycleState()
	c.data.Range(func(k, v any) bool {
		out.data.Store(k, v.(StateData).Clone())
		return true
	})
	for k := range c.skipFilter {
		out.skipFilter[k] = true
	}
	for k := range c.skipScore {
		out.skipScore[k] = true
	}
	return out
}
