package leader

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// A replica whose Lease is taken over stops leading, and leads again once
// the Lease is free: the in-process controllers come back after an
// overload made them miss a renewal.
func TestRunLeadsAgainAfterLosingTheLease(t *testing.T) {
	client := fake.NewSimpleClientset()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Once another replica holds the Lease, our renewals conflict, as they
	// would on a real server.
	var stolen atomic.Bool
	client.PrependReactor("update", "leases", func(action clienttesting.Action) (bool, runtime.Object, error) {
		if stolen.Load() {
			return true, nil, apierrors.NewConflict(coordinationv1.Resource("leases"), "test", errors.New("the object has been modified"))
		}
		return false, nil, nil
	})
	var terms atomic.Int32
	leading := make(chan int32, 4)
	ended := make(chan struct{}, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, client, Config{Lease: "test", Identity: "me", LeaseDuration: time.Second, RenewDeadline: 500 * time.Millisecond, RetryPeriod: 100 * time.Millisecond},
			func(ctx context.Context) {
				leading <- terms.Add(1)
				<-ctx.Done()
				ended <- struct{}{}
			})
	}()
	waitTerm(t, leading, 1)
	// Another replica takes the Lease over, as if ours had expired.
	l, err := client.CoordinationV1().Leases("kube-system").Get(ctx, "test", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stolen.Store(true)
	other := "other"
	l.Spec.HolderIdentity = &other
	now := metav1.NewMicroTime(time.Now())
	l.Spec.RenewTime = &now
	if err := client.Tracker().Update(coordinationv1.SchemeGroupVersion.WithResource("leases"), l, "kube-system"); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, ended)
	// The other replica never renews: ours takes the Lease back.
	stolen.Store(false)
	waitTerm(t, leading, 2)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func waitStopped(t *testing.T, ended <-chan struct{}) {
	t.Helper()
	select {
	case <-ended:
	case <-time.After(15 * time.Second):
		t.Fatal("still leading after the Lease was taken over")
	}
}

func waitTerm(t *testing.T, leading <-chan int32, want int32) {
	t.Helper()
	select {
	case got := <-leading:
		if got != want {
			t.Fatalf("term %d started, want %d", got, want)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("term %d never started", want)
	}
}
