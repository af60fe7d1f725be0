// Package controller runs orca's controllers: the controller manager. Each
// controller lives in its own package and talks to the API server through
// client-go only.
package controller

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"

	"orca/internal/controller/cronjob"
	"orca/internal/controller/daemonset"
	"orca/internal/controller/deployment"
	"orca/internal/controller/deps"
	"orca/internal/controller/disruption"
	"orca/internal/controller/endpoints"
	"orca/internal/controller/endpointslice"
	"orca/internal/controller/endpointslicemirroring"
	"orca/internal/controller/garbagecollector"
	"orca/internal/controller/ingressstatus"
	"orca/internal/controller/job"
	"orca/internal/controller/namespace"
	"orca/internal/controller/nodeipam"
	"orca/internal/controller/nodelifecycle"
	"orca/internal/controller/podgc"
	"orca/internal/controller/replicaset"
	"orca/internal/controller/serviceaccount"
	"orca/internal/controller/servicelb"
	"orca/internal/controller/statefulset"
	"orca/internal/controller/ttlafterfinished"
	"orca/internal/informerset"
	"orca/internal/leader"
)

// Options configures the controller manager.
type Options struct {
	deps.Options
	// LeaderElect makes replicas take turns on the Lease
	// kube-system/kube-controller-manager.
	LeaderElect bool
	// Identity names this replica in the Lease (default hostname_uuid).
	Identity string
	// Only, when set, runs just these controllers (by name; tests).
	Only []string
	// Informers, when set, are informers shared with other components
	// of the process (informerset.Shared); else the controllers have
	// their own for each term as leader.
	Informers informers.SharedInformerFactory
}

// runner is a built controller.
type runner interface{ Run(context.Context) }

// builder makes a controller; a nil runner means "not enabled by the
// options" (node IPAM without a cluster CIDR).
type builder func(*deps.Deps) (runner, error)

func build[T runner](f func(*deps.Deps) (T, error)) builder {
	return func(d *deps.Deps) (runner, error) { return f(d) }
}

// controllers are all controllers, by upstream's names.
var controllers = []struct {
	name string
	new  builder
}{
	{"namespace", func(d *deps.Deps) (runner, error) { return namespace.New(d.Client, d.Dynamic, d.Informers, d.Handlers) }},
	{"nodeipam", func(d *deps.Deps) (runner, error) {
		if d.Options.ClusterCIDR == "" {
			return nil, nil
		}
		return nodeipam.New(d.Client, d.Informers, d.Handlers, nodeipam.Options{ClusterCIDR: d.Options.ClusterCIDR, NodeCIDRMaskSize: d.Options.NodeCIDRMaskSize})
	}},
	{"replicaset", build(replicaset.New)},
	{"deployment", build(deployment.New)},
	{"daemonset", build(daemonset.New)},
	{"statefulset", build(statefulset.New)},
	{"job", build(job.New)},
	{"cronjob", build(cronjob.New)},
	{"ttl-after-finished", build(ttlafterfinished.New)},
	{"garbagecollector", build(garbagecollector.New)},
	{"nodelifecycle", build(nodelifecycle.New)},
	{"podgc", build(podgc.New)},
	{"serviceaccount", build(serviceaccount.New)},
	{"disruption", build(disruption.New)},
	{"ingress-status", build(ingressstatus.New)},
	{"endpointslice", build(endpointslice.New)},
	{"endpoint", build(endpoints.New)},
	{"endpointslicemirroring", build(endpointslicemirroring.New)},
	{"servicelb", build(servicelb.New)},
}

// Names lists the controllers, in start order.
func Names() []string {
	out := make([]string, len(controllers))
	for i, c := range controllers {
		out[i] = c.name
	}
	return out
}

// Run starts the controllers and blocks until ctx ends. With leader
// election they run only while this replica holds the Lease.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
	o.Options.Defaults()
	if err := o.Options.Validate(); err != nil {
		return err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, -1 // the server, not the client, sets the pace
	cfg.UserAgent = "orca-controller-manager"
	// The endpoints controllers use v1 Endpoints on purpose: its
	// deprecation warning on each of their requests is not news.
	cfg.WarningHandler = rest.NoWarnings{}
	client, err := kubernetes.NewForConfig(informerset.Protobuf(cfg))
	if err != nil {
		return err
	}
	if !o.LeaderElect {
		return run(ctx, cfg, client, o)
	}
	var runErr error
	leader.Run(ctx, client, leader.Config{Lease: "kube-controller-manager", Identity: o.Identity}, func(ctx context.Context) {
		runErr = run(ctx, cfg, client, o)
	})
	return runErr
}

func run(ctx context.Context, cfg *rest.Config, client kubernetes.Interface, o Options) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return err
	}
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	factory := o.Informers
	if factory == nil {
		factory = informerset.New(client)
	}
	d := &deps.Deps{
		Client: client, Dynamic: dyn, Metadata: meta,
		Informers:         factory,
		MetadataInformers: metadatainformer.NewSharedInformerFactory(meta, informerset.Resync),
		Handlers:          &informerset.Handlers{},
		Recorder: func(component string) record.EventRecorder {
			return broadcaster.NewRecorder(scheme.Scheme, v1.EventSource{Component: component})
		},
		Options: o.Options,
	}
	defer func() {
		if err := d.Handlers.RemoveAll(); err != nil {
			slog.Error("controllers: removing event handlers", "err", err)
		}
	}()
	var runs []runner
	for _, c := range controllers {
		if len(o.Only) > 0 && !contains(o.Only, c.name) {
			continue
		}
		r, err := c.new(d)
		if err != nil {
			return fmt.Errorf("controller %s: %w", c.name, err)
		}
		if r != nil {
			runs = append(runs, r)
		}
	}
	d.Informers.Start(ctx.Done())
	d.MetadataInformers.Start(ctx.Done())
	slog.Info("controllers running", "count", len(runs))
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Go(func() { r.Run(ctx) })
	}
	wg.Wait()
	d.Informers.Shutdown()
	d.MetadataInformers.Shutdown()
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
