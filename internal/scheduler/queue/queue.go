// Package queue orders pods waiting to be scheduled, as kube-scheduler's
// scheduling queue does: an active queue by priority then age, a backoff
// queue for pods that just failed, and an unschedulable set that only
// cluster events (or a long timeout) move back.
package queue

import (
	"container/heap"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// Defaults as upstream's.
const (
	InitialBackoff     = 1 * time.Second
	MaxBackoff         = 10 * time.Second
	MaxInUnschedulable = 5 * time.Minute
	flushPeriod        = 1 * time.Second
)

// QueuedPod is a pod in the queue with its scheduling history.
type QueuedPod struct {
	Pod *corev1.Pod
	// Attempts counts scheduling attempts, for the backoff.
	Attempts int
	// Added is when the pod first entered the queue.
	Added time.Time
	// enqueued is when it last entered the active queue (ties after priority).
	enqueued time.Time
	// unschedulableSince is when it was parked as unschedulable.
	unschedulableSince time.Time
	index              int
}

// Queue is safe for concurrent use.
type Queue struct {
	clock clock.WithTicker

	mu            sync.Mutex
	cond          *sync.Cond
	active        *podHeap
	backoff       *podHeap
	unschedulable map[types.UID]*QueuedPod
	// inFlight are popped and being scheduled; an event that arrives while
	// a pod is in flight must not be lost if the attempt then fails.
	inFlight    map[types.UID]bool
	eventsSince map[types.UID]bool
	closed      bool
}

// New returns an empty queue.
func New(c clock.WithTicker) *Queue {
	q := &Queue{clock: c, unschedulable: map[types.UID]*QueuedPod{},
		inFlight: map[types.UID]bool{}, eventsSince: map[types.UID]bool{}}
	q.active = &podHeap{less: byPriorityThenAge}
	q.backoff = &podHeap{less: func(a, b *QueuedPod) bool { return q.backoffExpiry(a).Before(q.backoffExpiry(b)) }}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func priority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}

func byPriorityThenAge(a, b *QueuedPod) bool {
	pa, pb := priority(a.Pod), priority(b.Pod)
	if pa != pb {
		return pa > pb
	}
	return a.enqueued.Before(b.enqueued)
}

// backoffDuration doubles from InitialBackoff per attempt up to MaxBackoff.
func backoffDuration(attempts int) time.Duration {
	d := InitialBackoff
	for i := 1; i < attempts && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

func (q *Queue) backoffExpiry(p *QueuedPod) time.Time {
	return p.enqueued.Add(backoffDuration(p.Attempts))
}

// Add queues a new pending pod (or updates one already queued).
func (q *Queue) Add(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if qp := q.find(pod.UID); qp != nil {
		q.updateLocked(qp, pod)
		return
	}
	now := q.clock.Now()
	heap.Push(q.active, &QueuedPod{Pod: pod, Added: now, enqueued: now})
	q.cond.Broadcast()
}

// Update replaces a queued pod's object; a changed unschedulable pod gets
// another try, since the change may make it schedulable.
func (q *Queue) Update(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp := q.find(pod.UID)
	if qp == nil {
		if q.inFlight[pod.UID] {
			q.eventsSince[pod.UID] = true
		}
		return
	}
	q.updateLocked(qp, pod)
}

func (q *Queue) updateLocked(qp *QueuedPod, pod *corev1.Pod) {
	old := qp.Pod
	qp.Pod = pod
	switch {
	case qp.index >= 0 && q.active.contains(qp):
		heap.Fix(q.active, qp.index)
	case qp.index >= 0 && q.backoff.contains(qp):
		heap.Fix(q.backoff, qp.index)
	case specOrLabelsChanged(old, pod):
		delete(q.unschedulable, pod.UID)
		q.requeueLocked(qp)
	}
}

// specOrLabelsChanged ignores status-only updates (the scheduler's own
// PodScheduled condition), which cannot make a pod schedulable.
func specOrLabelsChanged(a, b *corev1.Pod) bool {
	return !equality.Semantic.DeepEqual(a.Spec, b.Spec) ||
		!equality.Semantic.DeepEqual(a.Labels, b.Labels) ||
		!equality.Semantic.DeepEqual(a.Annotations, b.Annotations)
}

// Delete drops a pod from the queue (it was deleted or bound elsewhere).
func (q *Queue) Delete(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.unschedulable, pod.UID)
	q.active.remove(pod.UID)
	q.backoff.remove(pod.UID)
	delete(q.eventsSince, pod.UID)
}

func (q *Queue) find(uid types.UID) *QueuedPod {
	if qp := q.active.get(uid); qp != nil {
		return qp
	}
	if qp := q.backoff.get(uid); qp != nil {
		return qp
	}
	return q.unschedulable[uid]
}

// Pop blocks until a pod is active and returns it, or nil once closed.
func (q *Queue) Pop() *QueuedPod {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active.Len() == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return nil
	}
	qp := heap.Pop(q.active).(*QueuedPod)
	qp.Attempts++
	q.inFlight[qp.Pod.UID] = true
	delete(q.eventsSince, qp.Pod.UID)
	return qp
}

// Done ends an attempt that succeeded (the pod is bound or assumed).
func (q *Queue) Done(qp *QueuedPod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, qp.Pod.UID)
	delete(q.eventsSince, qp.Pod.UID)
}

// Unschedulable parks a pod no node fits. If a cluster event arrived
// during its attempt it goes to backoff instead, so the event is not lost.
func (q *Queue) Unschedulable(qp *QueuedPod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, qp.Pod.UID)
	if q.eventsSince[qp.Pod.UID] {
		delete(q.eventsSince, qp.Pod.UID)
		q.requeueLocked(qp)
		return
	}
	qp.unschedulableSince = q.clock.Now()
	q.unschedulable[qp.Pod.UID] = qp
}

// Retry puts a pod that failed for a transient reason (an error, a lost
// bind) into backoff.
func (q *Queue) Retry(qp *QueuedPod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, qp.Pod.UID)
	delete(q.eventsSince, qp.Pod.UID)
	q.requeueLocked(qp)
}

// requeueLocked sends a pod to backoff, or straight to active if its
// backoff has already run out.
func (q *Queue) requeueLocked(qp *QueuedPod) {
	qp.enqueued = q.clock.Now()
	if qp.Attempts == 0 {
		heap.Push(q.active, qp)
		q.cond.Broadcast()
		return
	}
	heap.Push(q.backoff, qp)
}

// ClusterEvent moves every unschedulable pod to backoff (or active): a
// node was added or changed, a pod went away... Pods in flight are marked
// so that a failure racing with the event retries soon.
func (q *Queue) ClusterEvent() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for uid, qp := range q.unschedulable {
		delete(q.unschedulable, uid)
		q.requeueLocked(qp)
	}
	for uid := range q.inFlight {
		q.eventsSince[uid] = true
	}
}

// Flush moves pods whose backoff has expired to active, and pods parked
// longer than MaxInUnschedulable to backoff. Run calls it every second.
func (q *Queue) Flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	moved := false
	for q.backoff.Len() > 0 {
		qp := q.backoff.peek()
		if q.backoffExpiry(qp).After(now) {
			break
		}
		heap.Pop(q.backoff)
		heap.Push(q.active, qp)
		moved = true
	}
	for uid, qp := range q.unschedulable {
		if now.Sub(qp.unschedulableSince) >= MaxInUnschedulable {
			delete(q.unschedulable, uid)
			q.requeueLocked(qp)
		}
	}
	if moved {
		q.cond.Broadcast()
	}
}

// Run flushes periodically until stop closes, then closes the queue.
func (q *Queue) Run(stop <-chan struct{}) {
	t := q.clock.NewTicker(flushPeriod)
	defer t.Stop()
	for {
		select {
		case <-stop:
			q.Close()
			return
		case <-t.C():
			q.Flush()
		}
	}
}

// Close wakes Pop callers, which then return nil.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// Len reports the sizes of the three sub-queues.
func (q *Queue) Len() (active, backoff, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.Len(), q.backoff.Len(), len(q.unschedulable)
}
