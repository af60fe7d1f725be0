// Package kubelet runs the pods bound to one node on a CRI runtime and
// reports them, and the node itself, through the Kubernetes API.
//
// The shape follows the upstream kubelet, lightened:
//
//   - an informer watches the pods with spec.nodeName = this node; each pod
//     has one worker goroutine that serialises its syncs;
//   - a sync reads the pod's sandboxes and containers from the runtime,
//     computes what to do with a pure function (computeActions), does it over
//     CRI, and writes the status computed by another pure function
//     (podStatus) when it changed;
//   - a relist loop (the PLEG) polls the runtime once a second and wakes the
//     workers of pods whose containers changed state;
//   - the node registers itself, renews its Lease every 10 s, and writes its
//     status when it changes and at least every 5 minutes (upstream's
//     nodeStatusReportFrequency).
//
// Nothing here knows containerd: the runtime is k8s.io/cri-api's interfaces,
// served by containerd over gRPC on real nodes and by package sim on virtual
// ones.
package kubelet
