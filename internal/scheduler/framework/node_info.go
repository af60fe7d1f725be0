package framework

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
)

// ImageStateSummary describes one image on a node: its size and on how many
// nodes of the cluster it is present (ImageLocality spreads by the latter).
type ImageStateSummary struct {
	Size     int64
	NumNodes int
}

// NodeInfo is the aggregated view of one node and the pods assigned to it.
// A snapshot's NodeInfos are read-only during a cycle; mutate a Clone.
type NodeInfo struct {
	node *v1.Node

	Pods                         []*PodInfo
	PodsWithAffinity             []*PodInfo
	PodsWithRequiredAntiAffinity []*PodInfo
	UsedPorts                    HostPortInfo

	// Requested sums the pods' real requests (fit checks); NonZeroRequested
	// uses the scoring defaults for missing cpu/memory.
	Requested        *Resource
	NonZeroRequested *Resource
	Allocatable      *Resource

	ImageStates map[string]*ImageStateSummary
}

// NewNodeInfo builds a NodeInfo holding the given pods.
func NewNodeInfo(pods ...*v1.Pod) *NodeInfo {
	ni := &NodeInfo{
		UsedPorts:        HostPortInfo{},
		Requested:        &Resource{},
		NonZeroRequested: &Resource{},
		Allocatable:      &Resource{},
		ImageStates:      map[string]*ImageStateSummary{},
	}
	for _, p := range pods {
		ni.AddPod(p)
	}
	return ni
}

// Node returns the node object; nil if the node is unknown (pods only).
func (n *NodeInfo) Node() *v1.Node { return n.node }

// SetNode sets the node and its allocatable.
func (n *NodeInfo) SetNode(node *v1.Node) {
	n.node = node
	n.Allocatable = NewResource(node.Status.Allocatable)
}

// NodeName is "" when the node is unset.
func (n *NodeInfo) NodeName() string {
	if n.node == nil {
		return ""
	}
	return n.node.Name
}

// AddPod accounts a pod on this node.
func (n *NodeInfo) AddPod(pod *v1.Pod) { n.AddPodInfo(NewPodInfo(pod)) }

// AddPodInfo accounts an already-parsed pod.
func (n *NodeInfo) AddPodInfo(pi *PodInfo) {
	n.Pods = append(n.Pods, pi)
	if hasAffinity(pi) {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if len(pi.RequiredAntiAffinityTerms) > 0 {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
	n.update(pi, 1)
}

// RemovePod removes the pod with pod's UID and undoes its accounting.
func (n *NodeInfo) RemovePod(pod *v1.Pod) error {
	n.PodsWithAffinity, _ = removeByUID(n.PodsWithAffinity, pod)
	n.PodsWithRequiredAntiAffinity, _ = removeByUID(n.PodsWithRequiredAntiAffinity, pod)
	var removed *PodInfo
	n.Pods, removed = removeByUID(n.Pods, pod)
	if removed == nil {
		return fmt.Errorf("no corresponding pod %s/%s in pods of node %s", pod.Namespace, pod.Name, n.NodeName())
	}
	n.update(removed, -1)
	return nil
}

// update adds (sign=1) or subtracts (sign=-1) a pod's resources and ports.
func (n *NodeInfo) update(pi *PodInfo, sign int) {
	if sign > 0 {
		n.Requested.AddResource(pi.Requests)
		n.NonZeroRequested.AddResource(pi.NonZeroRequests)
	} else {
		n.Requested.SubResource(pi.Requests)
		n.NonZeroRequested.SubResource(pi.NonZeroRequests)
	}
	for _, p := range PodHostPorts(pi.Pod) {
		if sign > 0 {
			n.UsedPorts.Add(p.HostIP, string(p.Protocol), p.HostPort)
		} else {
			n.UsedPorts.Remove(p.HostIP, string(p.Protocol), p.HostPort)
		}
	}
}

func hasAffinity(pi *PodInfo) bool {
	a := pi.Pod.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

// removeByUID drops the element with pod's UID, keeping order stable so
// iteration (and therefore scoring) stays deterministic.
func removeByUID(list []*PodInfo, pod *v1.Pod) ([]*PodInfo, *PodInfo) {
	for i, pi := range list {
		if pi.Pod.UID == pod.UID {
			out := append(list[:i:i], list[i+1:]...)
			return out, pi
		}
	}
	return list, nil
}

// Clone copies the node's mutable bookkeeping; PodInfos are shared because
// they are immutable once built.
func (n *NodeInfo) Clone() *NodeInfo {
	c := &NodeInfo{
		node:                         n.node,
		Pods:                         append([]*PodInfo(nil), n.Pods...),
		PodsWithAffinity:             append([]*PodInfo(nil), n.PodsWithAffinity...),
		PodsWithRequiredAntiAffinity: append([]*PodInfo(nil), n.PodsWithRequiredAntiAffinity...),
		UsedPorts:                    n.UsedPorts.clone(),
		Requested:                    n.Requested.Clone(),
		NonZeroRequested:             n.NonZeroRequested.Clone(),
		Allocatable:                  n.Allocatable.Clone(),
		ImageStates:                  make(map[string]*ImageStateSummary, len(n.ImageStates)),
	}
	for k, v := range n.ImageStates {
		s := *v
		c.ImageStates[k] = &s
	}
	return c
}
