// Package deps is what the controller manager hands every controller: one
// API client, shared informers, event recorders and the settings.
package deps

import (
	"fmt"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/record"

	"orca/internal/informerset"
)

// Options are the controllers' settings (upstream's kube-controller-manager
// flags of the same names).
type Options struct {
	// ClusterCIDR is the range nodes' pod CIDRs are cut from (--cluster-cidr);
	// empty turns node IPAM off.
	ClusterCIDR string
	// NodeCIDRMaskSize is the prefix length of each node's pod CIDR.
	NodeCIDRMaskSize int
	// NodeMonitorGracePeriod is how long a node may go without renewing its
	// Lease before it is marked Ready=Unknown (--node-monitor-grace-period, 40 s).
	NodeMonitorGracePeriod time.Duration
	// NodeMonitorPeriod is how often node health is checked (5 s).
	NodeMonitorPeriod time.Duration
	// NodeEvictionRate is how many nodes per second of a healthy zone get
	// the NoExecute taint that evicts their pods (--node-eviction-rate,
	// 0.1); SecondaryNodeEvictionRate is the rate in a large zone that is
	// mostly unhealthy (--secondary-node-eviction-rate, 0.01).
	NodeEvictionRate, SecondaryNodeEvictionRate float32
	// TerminatedPodGCThreshold is how many terminated pods may exist before
	// the oldest are deleted (--terminated-pod-gc-threshold, 12500).
	TerminatedPodGCThreshold int
	// GCWorkers is how many objects the garbage collector deletes or
	// orphans at once (--concurrent-gc-syncs, 20).
	GCWorkers int
	// MaxEndpointsPerSlice caps an EndpointSlice the endpointslice
	// controller writes (--max-endpoints-per-slice, 100; 1 to 1000).
	MaxEndpointsPerSlice int
	// Workers is the number of parallel reconciles per workload controller
	// (upstream's --concurrent-*-syncs, 5 by default; more here: the server
	// takes it).
	Workers int
}

// Defaults fills unset options with upstream's defaults.
func (o *Options) Defaults() {
	if o.NodeMonitorGracePeriod == 0 {
		o.NodeMonitorGracePeriod = 40 * time.Second
	}
	if o.NodeMonitorPeriod == 0 {
		o.NodeMonitorPeriod = 5 * time.Second
	}
	if o.NodeEvictionRate == 0 {
		o.NodeEvictionRate = 0.1
	}
	if o.SecondaryNodeEvictionRate == 0 {
		o.SecondaryNodeEvictionRate = 0.01
	}
	if o.TerminatedPodGCThreshold == 0 {
		o.TerminatedPodGCThreshold = 12500
	}
	if o.Workers == 0 {
		o.Workers = 8
	}
	if o.MaxEndpointsPerSlice == 0 {
		o.MaxEndpointsPerSlice = 100
	}
	if o.GCWorkers == 0 {
		o.GCWorkers = 20
	}
}

// Validate refuses settings upstream's controller manager refuses.
func (o *Options) Validate() error {
	if o.GCWorkers < 1 {
		return fmt.Errorf("--concurrent-gc-syncs %d: must be at least 1", o.GCWorkers)
	}
	if o.MaxEndpointsPerSlice < 1 || o.MaxEndpointsPerSlice > 1000 {
		return fmt.Errorf("--max-endpoints-per-slice %d: must be between 1 and 1000", o.MaxEndpointsPerSlice)
	}
	return nil
}

// Deps is shared by all controllers of one manager.
type Deps struct {
	Client   kubernetes.Interface
	Dynamic  dynamic.Interface
	Metadata metadata.Interface
	// Informers is started by the manager after every controller was built:
	// ask for informers in New, not in Run.
	Informers         informers.SharedInformerFactory
	MetadataInformers metadatainformer.SharedInformerFactory
	// Handlers adds the controllers' event handlers: Informers may be
	// shared with the scheduler and outlive the controllers.
	Handlers *informerset.Handlers
	// Recorder makes an event recorder for a component ("replicaset-controller").
	Recorder func(component string) record.EventRecorder
	Options  Options
}
