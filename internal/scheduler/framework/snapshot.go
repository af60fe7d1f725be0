package framework

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Snapshot is the immutable cluster view one scheduling cycle works on.
type Snapshot struct {
	nodes                    []*NodeInfo
	byName                   map[string]*NodeInfo
	havePodsWithAffinity     []*NodeInfo
	havePodsWithRequiredAnti []*NodeInfo
	namespaceLabels          map[string]labels.Set
	listsStale               bool
	// largestImage is, per image name, the largest size a node reports:
	// a bound on every node's image sizes. Replace only raises it, so it
	// may stay above the truth until the next rebuild, never below.
	largestImage map[string]int64
}

// NewSnapshot builds a snapshot from nodes and the pods bound to them.
// Pods whose node is unknown are ignored. nsLabels gives each namespace's
// labels for namespaceSelector in pod (anti-)affinity.
func NewSnapshot(pods []*v1.Pod, nodes []*v1.Node, nsLabels map[string]map[string]string) *Snapshot {
	infos := make([]*NodeInfo, 0, len(nodes))
	byName := make(map[string]*NodeInfo, len(nodes))
	for _, n := range nodes {
		ni := NewNodeInfo()
		ni.SetNode(n)
		infos = append(infos, ni)
		byName[n.Name] = ni
	}
	for _, p := range pods {
		if ni := byName[p.Spec.NodeName]; ni != nil {
			ni.AddPod(p)
		}
	}
	setImageStates(infos)
	return NewSnapshotFromNodeInfos(infos, nsLabels)
}

// NewSnapshotFromNodeInfos wraps prepared NodeInfos (e.g. from a cache).
func NewSnapshotFromNodeInfos(infos []*NodeInfo, nsLabels map[string]map[string]string) *Snapshot {
	s := &Snapshot{nodes: infos, byName: make(map[string]*NodeInfo, len(infos)), namespaceLabels: map[string]labels.Set{},
		largestImage: map[string]int64{}}
	for _, ni := range infos {
		s.byName[ni.NodeName()] = ni
		s.raiseImageSizes(ni)
		if len(ni.PodsWithAffinity) > 0 {
			s.havePodsWithAffinity = append(s.havePodsWithAffinity, ni)
		}
		if len(ni.PodsWithRequiredAntiAffinity) > 0 {
			s.havePodsWithRequiredAnti = append(s.havePodsWithRequiredAnti, ni)
		}
	}
	for ns, l := range nsLabels {
		s.namespaceLabels[ns] = labels.Set(l)
	}
	return s
}

// setImageStates fills ImageStates from node status; NumNodes counts the
// nodes holding each image name so ImageLocality can penalise rare images.
func setImageStates(infos []*NodeInfo) {
	count := map[string]int{}
	for _, ni := range infos {
		for _, img := range ni.node.Status.Images {
			for _, name := range img.Names {
				count[name]++
			}
		}
	}
	for _, ni := range infos {
		for _, img := range ni.node.Status.Images {
			for _, name := range img.Names {
				ni.ImageStates[name] = &ImageStateSummary{Size: img.SizeBytes, NumNodes: count[name]}
			}
		}
	}
}

func (s *Snapshot) raiseImageSizes(ni *NodeInfo) {
	for name, st := range ni.ImageStates {
		if st.Size > s.largestImage[name] {
			s.largestImage[name] = st.Size
		}
	}
}

// LargestImage bounds the size of image name on every node: no node
// reports it larger (0 when no node has it).
func (s *Snapshot) LargestImage(name string) int64 { return s.largestImage[name] }

// List returns all nodes in snapshot order.
func (s *Snapshot) List() []*NodeInfo { return s.nodes }

// NumNodes is len(List()).
func (s *Snapshot) NumNodes() int { return len(s.nodes) }

// Get looks a node up by name.
func (s *Snapshot) Get(name string) (*NodeInfo, error) {
	if ni, ok := s.byName[name]; ok {
		return ni, nil
	}
	return nil, fmt.Errorf("nodeinfo not found for node name %q", name)
}

// HavePodsWithAffinityList lists nodes hosting pods with (anti-)affinity.
func (s *Snapshot) HavePodsWithAffinityList() []*NodeInfo { return s.havePodsWithAffinity }

// HavePodsWithRequiredAntiAffinityList lists nodes hosting pods with
// required anti-affinity, the only ones that can reject a newcomer.
func (s *Snapshot) HavePodsWithRequiredAntiAffinityList() []*NodeInfo {
	return s.havePodsWithRequiredAnti
}

// NamespaceLabels returns the labels of a namespace (nil if unknown).
func (s *Snapshot) NamespaceLabels(ns string) labels.Set { return s.namespaceLabels[ns] }

// Replace puts ni (a newer state of the node at index i) in the snapshot.
// Only the cache calls it, between cycles: building a new snapshot of
// thousands of nodes for every pod would cost more than scheduling it.
// A snapshot must not change while a cycle reads it.
func (s *Snapshot) Replace(i int, ni *NodeInfo) {
	old := s.nodes[i]
	s.nodes[i] = ni
	s.byName[ni.NodeName()] = ni
	s.raiseImageSizes(ni)
	if len(old.PodsWithAffinity)+len(ni.PodsWithAffinity)+len(old.PodsWithRequiredAntiAffinity)+len(ni.PodsWithRequiredAntiAffinity) > 0 {
		s.listsStale = true
	}
}

// Refresh recomputes what Replace calls left stale, and sets the namespace
// labels when they changed (nsLabels nil: unchanged).
func (s *Snapshot) Refresh(nsLabels map[string]map[string]string) {
	if s.listsStale {
		s.havePodsWithAffinity, s.havePodsWithRequiredAnti = s.havePodsWithAffinity[:0], s.havePodsWithRequiredAnti[:0]
		for _, ni := range s.nodes {
			if len(ni.PodsWithAffinity) > 0 {
				s.havePodsWithAffinity = append(s.havePodsWithAffinity, ni)
			}
			if len(ni.PodsWithRequiredAntiAffinity) > 0 {
				s.havePodsWithRequiredAnti = append(s.havePodsWithRequiredAnti, ni)
			}
		}
		s.listsStale = false
	}
	if nsLabels != nil {
		s.namespaceLabels = make(map[string]labels.Set, len(nsLabels))
		for ns, l := range nsLabels {
			s.namespaceLabels[ns] = labels.Set(l)
		}
	}
}
