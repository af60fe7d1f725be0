package queue

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	testclock "k8s.io/utils/clock/testing"
)

func pod(name string, prio int32) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name)}, Spec: corev1.PodSpec{Priority: &prio}}
}

func newQ() (*Queue, *testclock.FakeClock) {
	c := testclock.NewFakeClock(time.Unix(1000, 0))
	return New(c), c
}

func popName(t *testing.T, q *Queue) string {
	t.Helper()
	a, _, _ := q.Len()
	if a == 0 {
		t.Fatal("active queue empty")
	}
	return q.Pop().Pod.Name
}

func TestPriorityThenAge(t *testing.T) {
	q, c := newQ()
	q.Add(pod("low-old", 0))
	c.Step(time.Millisecond)
	q.Add(pod("high", 100))
	c.Step(time.Millisecond)
	q.Add(pod("low-new", 0))
	for _, want := range []string{"high", "low-old", "low-new"} {
		if got := popName(t, q); got != want {
			t.Fatalf("popped %s, want %s", got, want)
		}
	}
}

func TestBackoffDoublesToMax(t *testing.T) {
	for attempts, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 9: 10 * time.Second} {
		if got := backoffDuration(attempts); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

func TestRetryWaitsForBackoff(t *testing.T) {
	q, c := newQ()
	q.Add(pod("p", 0))
	qp := q.Pop()
	q.Retry(qp)
	q.Flush()
	if a, b, _ := q.Len(); a != 0 || b != 1 {
		t.Fatalf("right after a failure: active %d backoff %d, want 0/1", a, b)
	}
	c.Step(999 * time.Millisecond)
	q.Flush()
	if a, _, _ := q.Len(); a != 0 {
		t.Fatal("left backoff before 1s")
	}
	c.Step(time.Millisecond)
	q.Flush()
	if got := popName(t, q); got != "p" {
		t.Fatalf("popped %s", got)
	}
}

func TestUnschedulableWaitsForAnEvent(t *testing.T) {
	q, c := newQ()
	q.Add(pod("p", 0))
	q.Unschedulable(q.Pop())
	c.Step(time.Minute)
	q.Flush()
	if a, b, u := q.Len(); a+b != 0 || u != 1 {
		t.Fatalf("without an event: active %d backoff %d unschedulable %d", a, b, u)
	}
	q.ClusterEvent()
	q.Flush() // its backoff (1s from the event) has not run out yet
	if _, b, u := q.Len(); b != 1 || u != 0 {
		t.Fatalf("after the event: backoff %d unschedulable %d", b, u)
	}
	c.Step(time.Second)
	q.Flush()
	if got := popName(t, q); got != "p" {
		t.Fatalf("popped %s", got)
	}
}

func TestUnschedulableTimesOut(t *testing.T) {
	q, c := newQ()
	q.Add(pod("p", 0))
	q.Unschedulable(q.Pop())
	c.Step(MaxInUnschedulable)
	q.Flush()
	if _, b, u := q.Len(); b != 1 || u != 0 {
		t.Fatalf("after %v: backoff %d unschedulable %d", MaxInUnschedulable, b, u)
	}
}

func TestEventDuringAttemptIsNotLost(t *testing.T) {
	q, _ := newQ()
	q.Add(pod("p", 0))
	qp := q.Pop()
	q.ClusterEvent() // a node appears while p is being scheduled
	q.Unschedulable(qp)
	if _, b, u := q.Len(); b != 1 || u != 0 {
		t.Fatalf("backoff %d unschedulable %d: the event was lost", b, u)
	}
}

func TestUpdates(t *testing.T) {
	q, _ := newQ()
	p := pod("p", 0)
	q.Add(p)
	q.Unschedulable(q.Pop())
	status := p.DeepCopy()
	status.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse}}
	q.Update(status)
	if _, _, u := q.Len(); u != 1 {
		t.Fatal("a status-only update moved an unschedulable pod")
	}
	labelled := p.DeepCopy()
	labelled.Labels = map[string]string{"a": "b"}
	q.Update(labelled)
	if _, b, u := q.Len(); b != 1 || u != 0 {
		t.Fatalf("a label change left the pod parked: backoff %d unschedulable %d", b, u)
	}
	q.Delete(labelled)
	if a, b, u := q.Len(); a+b+u != 0 {
		t.Fatalf("deleted pod still queued: %d %d %d", a, b, u)
	}
}

func TestPopBlocksUntilAddOrClose(t *testing.T) {
	q, _ := newQ()
	got := make(chan *QueuedPod)
	go func() { got <- q.Pop() }()
	q.Add(pod("late", 0))
	select {
	case qp := <-got:
		if qp.Pod.Name != "late" {
			t.Fatalf("popped %s", qp.Pod.Name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Pop did not wake on Add")
	}
	go func() { got <- q.Pop() }()
	q.Close()
	select {
	case qp := <-got:
		if qp != nil {
			t.Fatal("Pop after Close returned a pod")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Pop did not wake on Close")
	}
}
