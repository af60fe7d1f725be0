package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	"orca/internal/kubelet"
	"orca/internal/kubelet/sim"
)

// Virtual nodes look like mid-sized machines.
var simCapacity = v1.ResourceList{
	v1.ResourceCPU:              resource.MustParse("32"),
	v1.ResourceMemory:           resource.MustParse("256Gi"),
	v1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	v1.ResourcePods:             resource.MustParse("110"),
}

// RunSimulated runs cfg.Simulate virtual nodes in this process: the real
// kubelet code, each on its own simulated CRI runtime, sharing one API
// client. Nodes are named <NodeName or "sim">-<n>.
func RunSimulated(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	client, err := kubernetes.NewForConfig(clientConfig(cfg.Rest, "orca-agent-sim"))
	if err != nil {
		return err
	}
	prefix := cfg.NodeName
	if prefix == "" {
		prefix = "sim"
	}
	shared := sharedState(ctx, client, cfg.Simulate)
	var wg sync.WaitGroup
	errs := make(chan error, cfg.Simulate)
	for i := 0; i < cfg.Simulate; i++ {
		name := fmt.Sprintf("%s-%04d", prefix, i)
		kc := simKubeletConfig(cfg, client, name, i)
		kc.Shared = shared[i%len(shared)]
		kl := kubelet.New(kc)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := kl.Run(ctx); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("virtual node %s: %w", name, err)
			}
		}()
	}
	cfg.Logger.Info("virtual nodes running", "count", cfg.Simulate, "prefix", prefix)
	wg.Wait()
	close(errs)
	return <-errs
}

// nodesPerEventSink is how many virtual nodes share one event pipeline.
// A pipeline writes its events one at a time and drops them beyond 1,000
// queued, so one for all nodes loses events in a burst of pod starts; one
// per node would cost a goroutine and a correlation cache each.
const nodesPerEventSink = 50

// sharedState is the state virtual nodes share: one Service cache for all
// of them, and an event pipeline per nodesPerEventSink nodes.
func sharedState(ctx context.Context, client kubernetes.Interface, nodes int) []*kubelet.Shared {
	factory := informers.NewSharedInformerFactory(client, 0)
	svc := factory.Core().V1().Services()
	synced := svc.Informer().HasSynced
	factory.Start(ctx.Done())
	shared := make([]*kubelet.Shared, (nodes+nodesPerEventSink-1)/nodesPerEventSink)
	for i := range shared {
		events := record.NewBroadcaster(record.WithContext(ctx))
		events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
		shared[i] = &kubelet.Shared{Events: events, Services: svc.Lister(), ServicesSynced: synced}
	}
	return shared
}

func simKubeletConfig(cfg Config, client kubernetes.Interface, name string, i int) kubelet.Config {
	// Addresses from 10.255.0.0/16 stand for the virtual machines.
	ip := net.IPv4(10, 255, byte(i>>8), byte(i&0xff)).String()
	labels := nodeLabels(name, cfg.Labels)
	labels["orca.dev/virtual"] = "true"
	return kubelet.Config{
		NodeName: name,
		Client:   client,
		Runtime:  sim.New(sim.Options{}),
		Node: kubelet.NodeConfig{
			Labels:      labels,
			Taints:      cfg.Taints,
			Capacity:    simCapacity,
			Allocatable: simCapacity,
			Addresses: []v1.NodeAddress{
				{Type: v1.NodeInternalIP, Address: ip},
				{Type: v1.NodeHostName, Address: name},
			},
			Info: v1.NodeSystemInfo{
				MachineID: name, SystemUUID: name, BootID: name, KernelVersion: "virtual",
				OSImage: "orca virtual node", OperatingSystem: "linux", Architecture: "amd64",
				KubeletVersion: kubeletVersion(),
			},
		},
		RootDir:                  cfg.DataDir,
		NoFiles:                  true,
		ClusterDNS:               cfg.ClusterDNS,
		ClusterDomain:            cfg.ClusterDomain,
		NodeLeaseDurationSeconds: cfg.NodeLeaseDurationSeconds,
		Logger:                   cfg.Logger,
	}
}
