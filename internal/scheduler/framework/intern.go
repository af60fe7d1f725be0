package framework

import (
	"sync"
	"sync/atomic"
)

// Interned keys: per-cycle memo tables index small integers, which hash
// far cheaper than the label strings they stand for. IDs are never
// reused; the table grows with the distinct label sets and terms seen.
var (
	internTable sync.Map // string -> int32
	internNext  atomic.Int32
)

func intern(key string) int32 {
	if id, ok := internTable.Load(key); ok {
		return id.(int32)
	}
	id, _ := internTable.LoadOrStore(key, internNext.Add(1))
	return id.(int32)
}
