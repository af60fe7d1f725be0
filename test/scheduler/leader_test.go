package scheduler

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"orca/internal/scheduler"
)

func leaseHolder(ctx context.Context) string {
	l, err := client.CoordinationV1().Leases("kube-system").Get(ctx, "kube-scheduler", metav1.GetOptions{})
	if err != nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

func waitHolder(t *testing.T, want string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(baseCtx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return leaseHolder(ctx) == want, nil
	})
	if err != nil {
		t.Fatalf("lease holder %q, want %q", leaseHolder(baseCtx), want)
	}
}

// Two schedulers: only the Lease holder schedules; when it stops, the
// other takes over and pods keep being placed. They share informers, as
// the terms of orca server's scheduler do: the second starts on informers
// the first started, and stopped using (its handlers removed).
func TestLeaderElection(t *testing.T) {
	ns := newNamespace(t)
	node(t, ns, "a", "4", "4Gi")
	waitHolder(t, "main")
	go scheduler.Run(baseCtx, loop, scheduler.Options{LeaderElect: true, Identity: "second", Informers: shared,
		LeaseDuration: 4 * time.Second, RenewDeadline: 3 * time.Second, RetryPeriod: 500 * time.Millisecond})
	pod(t, ns, "before", "100m")
	boundTo(t, ns, "before")
	if h := leaseHolder(baseCtx); h != "main" {
		t.Fatalf("the second scheduler took the lease from a live leader: holder %q", h)
	}
	stopMain()
	waitHolder(t, "second")
	pod(t, ns, "after", "100m")
	boundTo(t, ns, "after")
}
