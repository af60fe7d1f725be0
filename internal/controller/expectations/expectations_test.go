package expectations

import (
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestExpectations(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Unix(1000, 0))
	e := NewWithClock(clk)
	if !e.Satisfied("ns/rs") {
		t.Fatal("nothing expected: want satisfied")
	}
	e.ExpectCreations("ns/rs", 2)
	if e.Satisfied("ns/rs") {
		t.Fatal("2 creations pending: want unsatisfied")
	}
	e.CreationObserved("ns/rs")
	if e.Satisfied("ns/rs") {
		t.Fatal("1 creation pending: want unsatisfied")
	}
	e.CreationObserved("ns/rs")
	if !e.Satisfied("ns/rs") {
		t.Fatal("all creations seen: want satisfied")
	}

	e.ExpectDeletions("ns/rs", []types.UID{"a", "b"})
	e.DeletionObserved("ns/rs", "a")
	e.DeletionObserved("ns/rs", "a") // seen twice (timestamp, then delete): counted once
	if e.Satisfied("ns/rs") {
		t.Fatal("deletion of b pending: want unsatisfied")
	}
	clk.SetTime(clk.Now().Add(Timeout + time.Second))
	if !e.Satisfied("ns/rs") {
		t.Fatal("expired expectations: want satisfied")
	}
	e.ExpectCreations("ns/rs", 1)
	e.Forget("ns/rs")
	if !e.Satisfied("ns/rs") {
		t.Fatal("forgotten: want satisfied")
	}
}

func TestExpectationsConcurrent(t *testing.T) {
	e := New()
	e.ExpectCreations("k", 100)
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Go(func() { e.CreationObserved("k"); _ = e.Satisfied("k") })
	}
	wg.Wait()
	if !e.Satisfied("k") {
		t.Fatal("100 of 100 creations seen: want satisfied")
	}
}
