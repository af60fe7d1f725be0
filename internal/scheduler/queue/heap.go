package queue

import (
	"container/heap"

	"k8s.io/apimachinery/pkg/types"
)

// podHeap is a heap of queued pods with lookup by UID.
type podHeap struct {
	items []*QueuedPod
	byUID map[types.UID]*QueuedPod
	less  func(a, b *QueuedPod) bool
}

func (h *podHeap) Len() int           { return len(h.items) }
func (h *podHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *podHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index, h.items[j].index = i, j
}

func (h *podHeap) Push(x any) {
	qp := x.(*QueuedPod)
	if h.byUID == nil {
		h.byUID = map[types.UID]*QueuedPod{}
	}
	qp.index = len(h.items)
	h.items = append(h.items, qp)
	h.byUID[qp.Pod.UID] = qp
}

func (h *podHeap) Pop() any {
	qp := h.items[len(h.items)-1]
	h.items[len(h.items)-1] = nil
	h.items = h.items[:len(h.items)-1]
	delete(h.byUID, qp.Pod.UID)
	qp.index = -1
	return qp
}

func (h *podHeap) peek() *QueuedPod { return h.items[0] }

func (h *podHeap) get(uid types.UID) *QueuedPod { return h.byUID[uid] }

func (h *podHeap) contains(qp *QueuedPod) bool { return h.byUID[qp.Pod.UID] == qp }

func (h *podHeap) remove(uid types.UID) {
	if qp := h.byUID[uid]; qp != nil {
		heap.Remove(h, qp.index)
	}
}
