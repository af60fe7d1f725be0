// Package leader runs a function only while this replica holds a Lease in
// kube-system, so that several schedulers or controller managers can run
// with one active (upstream's leader election, same Lease names).
package leader

import (
	"context"
	"log/slog"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Config names the Lease and sets upstream's timing flags; zero values
// take upstream's defaults (15 s, 10 s, 2 s).
type Config struct {
	Lease    string // kube-system/<Lease>, e.g. "kube-scheduler"
	Identity string // default hostname_uuid

	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// Run calls lead with a context that ends when the Lease is lost, and
// returns once ctx ends. A replica that loses its Lease (an overloaded
// server can miss its renew deadline) waits for lead to return, then
// campaigns again: upstream's components exit and are restarted by their
// supervisor, but here the scheduler and controllers live inside the
// server, which must not go on without them.
func Run(ctx context.Context, client kubernetes.Interface, c Config, lead func(context.Context)) {
	if c.Identity == "" {
		host, _ := os.Hostname()
		c.Identity = host + "_" + string(uuid.NewUUID())
	}
	if c.LeaseDuration == 0 {
		c.LeaseDuration, c.RenewDeadline, c.RetryPeriod = 15*time.Second, 10*time.Second, 2*time.Second
	}
	for ctx.Err() == nil {
		campaign(ctx, client, c, lead)
	}
}

// campaign leads at most once and returns after lead has returned.
func campaign(ctx context.Context, client kubernetes.Interface, c Config, lead func(context.Context)) {
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: "kube-system", Name: c.Lease},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: c.Identity},
	}
	led := make(chan struct{})
	leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
		Lock: lock, ReleaseOnCancel: true, Name: c.Lease,
		LeaseDuration: c.LeaseDuration, RenewDeadline: c.RenewDeadline, RetryPeriod: c.RetryPeriod,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				defer close(led)
				slog.Info("leading", "lease", c.Lease, "identity", c.Identity)
				lead(ctx)
			},
			OnStoppedLeading: func() { slog.Info("lost the lease", "lease", c.Lease, "identity", c.Identity) },
		},
	})
	// RunOrDie returns before acquiring the Lease only when ctx ends; any
	// other return means it led and lost, and lead (run in a goroutine of
	// its own) must finish before the next campaign starts another.
	if ctx.Err() == nil {
		<-led
	}
}
