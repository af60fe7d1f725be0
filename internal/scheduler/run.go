package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"

	"orca/internal/cachetrim"
	"orca/internal/leader"
	"orca/internal/scheduler/config"
	"orca/internal/scheduler/framework"
	"orca/internal/scheduler/plugins"
)

// Options configure a running scheduler.
type Options struct {
	// LeaderElect makes replicas take turns on a Lease (kube-system/kube-scheduler).
	LeaderElect bool
	// Identity names this replica in the Lease; default hostname_uuid.
	Identity string
	// LeaseDuration, RenewDeadline, RetryPeriod as kube-scheduler's flags.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Plugins builds the profile's plugins; nil means upstream's default profile.
	Plugins func(plugins.VolumeLister) []framework.PluginWeight
	// PercentageOfNodesToScore: 0 is the adaptive default.
	PercentageOfNodesToScore int32
	// SchedulerName is the schedulerName of the pods this scheduler places.
	SchedulerName string
	// Informers, when set, are informers shared with other components of
	// the process (informerset.Shared); else the scheduler has its own
	// for each term as leader.
	Informers informers.SharedInformerFactory
}

// WithConfig applies a configuration file's settings.
func (o Options) WithConfig(c *config.Config) Options {
	o.Plugins, o.PercentageOfNodesToScore, o.SchedulerName = c.Plugins, c.PercentageOfNodesToScore, c.SchedulerName
	return o
}

// Run starts the scheduler against the API server at cfg and blocks until
// ctx ends. With leader election it schedules only while it holds the Lease.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, -1
	cfg.UserAgent = "orca-scheduler"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if o.Plugins == nil {
		o.Plugins = plugins.DefaultPlugins
	}
	if !o.LeaderElect {
		return runScheduler(ctx, client, o)
	}
	leader.Run(ctx, client, leader.Config{Lease: "kube-scheduler", Identity: o.Identity,
		LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod},
		func(ctx context.Context) {
			if err := runScheduler(ctx, client, o); err != nil {
				slog.Error("scheduler", "err", err)
			}
		})
	return nil
}

func runScheduler(ctx context.Context, client kubernetes.Interface, o Options) error {
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: DefaultSchedulerName})
	factory := o.Informers
	if factory == nil {
		factory = informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(cachetrim.StripManagedFields))
	}
	volumes := newVolumeLister(factory)
	fwk, err := framework.New(o.Plugins(volumes), rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0)))
	if err != nil {
		return fmt.Errorf("scheduler profile: %w", err)
	}
	fwk.PercentageOfNodesToScore = o.PercentageOfNodesToScore
	s, err := New(client, factory, fwk, recorder)
	if err != nil {
		return err
	}
	s.AlsoWaitFor(volumes.synced...)
	if o.SchedulerName != "" {
		s.Name = o.SchedulerName
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	s.Run(ctx) // waits for the informers and handlers to sync
	return s.RemoveHandlers()
}
