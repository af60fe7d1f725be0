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
// PreFilter/PreScore; reads happen concurrently from Filter/Score, so the
// map is guarded.
type CycleState struct {
	mu   sync.RWMutex
	data map[string]StateData
	// skipFilter / skipScore are the plugins that returned Skip this cycle.
	skipFilter map[string]bool
	skipScore  map[string]bool
}

// NewCycleState returns an empty state for one scheduling attempt.
func NewCycleState() *CycleState {
	return &CycleState{data: map[string]StateData{}, skipFilter: map[string]bool{}, skipScore: map[string]bool{}}
}

// Read returns the data stored under key or an error naming the key.
func (c *CycleState) Read(key string) (StateData, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if v, ok := c.data[key]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("reading %q from cycleState: not found", key)
}

// Write stores data under key, replacing any previous value.
func (c *CycleState) Write(key string, v StateData) {
	c.mu.Lock()
	c.data[key] = v
	c.mu.Unlock()
}

// Delete removes key.
func (c *CycleState) Delete(key string) {
	c.mu.Lock()
	delete(c.data, key)
	c.mu.Unlock()
}

// Clone deep-copies the store through each value's Clone.
func (c *CycleState) Clone() *CycleState {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := NewCycleState()
	for k, v := range c.data {
		out.data[k] = v.Clone()
	}
	for k := range c.skipFilter {
		out.skipFilter[k] = true
	}
	for k := range c.skipScore {
		out.skipScore[k] = true
	}
	return out
}
