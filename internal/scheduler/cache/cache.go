// Package cache keeps the scheduler's view of nodes and the pods on them,
// including pods it has assumed onto a node before their binding is seen,
// so that back-to-back decisions never double-book a node.
package cache

import (
	"fmt"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"orca/internal/scheduler/framework"
)

// AssumedTTL is how long an assumed pod whose binding finished may wait
// for the informer to confirm it before it is dropped.
const AssumedTTL = 30 * time.Second

type nodeItem struct {
	info *framework.NodeInfo // node may be nil while only pods are known
	gen  uint64
}

type podState struct {
	pod         *corev1.Pod
	assumed     bool
	bindingDone bool
	deadline    time.Time
}

// Cache is safe for concurrent use.
type Cache struct {
	clock clock.PassiveClock

	mu       sync.Mutex
	gen      uint64
	nodes    map[string]*nodeItem
	pods     map[types.UID]*podState
	assumed  map[types.UID]*podState // the assumed subset, for expiry
	nsLabels map[string]map[string]string
	images   map[string]int // image name -> nodes holding it

	// The snapshot handed to the last cycle, updated in place where nodes
	// changed (dirty) and rebuilt when the set of nodes changed.
	snap      *framework.Snapshot
	index     map[string]int // node name -> position in snap
	dirty     map[string]struct{}
	orderGen  uint64 // gen when the node set last changed
	orderSeen uint64
	nsChanged bool
}

// New returns an empty cache.
func New(c clock.PassiveClock) *Cache {
	return &Cache{clock: c, nodes: map[string]*nodeItem{}, pods: map[types.UID]*podState{}, assumed: map[types.UID]*podState{},
		nsLabels: map[string]map[string]string{}, images: map[string]int{}, dirty: map[string]struct{}{}}
}

func (c *Cache) item(name string) *nodeItem {
	it := c.nodes[name]
	if it == nil {
		it = &nodeItem{info: framework.NewNodeInfo()}
		c.nodes[name] = it
	}
	return it
}

func (c *Cache) touch(name string, it *nodeItem) {
	c.gen++
	it.gen = c.gen
	c.dirty[name] = struct{}{}
}

// SetNode adds or updates a node.
func (c *Cache) SetNode(n *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.item(n.Name)
	if it.info.Node() == nil {
		c.orderGen = c.gen + 1
	} else {
		c.countImages(it.info.Node(), -1)
	}
	it.info.SetNode(n)
	c.countImages(n, 1)
	c.touch(n.Name, it)
}

// RemoveNode forgets a node; its pods stay known until they go.
func (c *Cache) RemoveNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.nodes[name]
	if it == nil || it.info.Node() == nil {
		return
	}
	c.countImages(it.info.Node(), -1)
	if len(it.info.Pods) == 0 {
		delete(c.nodes, name)
	} else {
		fresh := framework.NewNodeInfo()
		for _, p := range it.info.Pods {
			fresh.AddPodInfo(p)
		}
		it.info = fresh
	}
	c.gen++
	c.orderGen = c.gen
}

func (c *Cache) countImages(n *corev1.Node, d int) {
	for _, img := range n.Status.Images {
		for _, name := range img.Names {
			c.images[name] += d
			if c.images[name] <= 0 {
				delete(c.images, name)
			}
		}
	}
}

// SetNamespaceLabels records a namespace's labels (namespaceSelector).
func (c *Cache) SetNamespaceLabels(ns string, l map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nsChanged = true
	if l == nil {
		delete(c.nsLabels, ns)
		return
	}
	c.nsLabels[ns] = l
}

// AssumePod accounts pod (with spec.nodeName set) before it is bound.
func (c *Cache) AssumePod(pod *corev1.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[pod.UID]; ok {
		return fmt.Errorf("pod %s/%s is already in the cache", pod.Namespace, pod.Name)
	}
	c.addLocked(pod)
	ps := &podState{pod: pod, assumed: true}
	c.pods[pod.UID], c.assumed[pod.UID] = ps, ps
	return nil
}

// FinishBinding starts the expiry clock of an assumed pod.
func (c *Cache) FinishBinding(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps := c.pods[pod.UID]; ps != nil && ps.assumed {
		ps.bindingDone = true
		ps.deadline = c.clock.Now().Add(AssumedTTL)
	}
}

// ForgetPod undoes AssumePod (the binding failed).
func (c *Cache) ForgetPod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps := c.pods[pod.UID]; ps != nil && ps.assumed {
		c.removeLocked(ps.pod)
		delete(c.pods, pod.UID)
		delete(c.assumed, pod.UID)
	}
}

// AddPod records a pod bound to a node, confirming it if assumed.
func (c *Cache) AddPod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps := c.pods[pod.UID]; ps != nil {
		c.removeLocked(ps.pod)
	}
	c.addLocked(pod)
	c.pods[pod.UID] = &podState{pod: pod}
	delete(c.assumed, pod.UID)
}

// RemovePod forgets a pod that was deleted or finished.
func (c *Cache) RemovePod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps := c.pods[pod.UID]; ps != nil {
		c.removeLocked(ps.pod)
		delete(c.pods, pod.UID)
		delete(c.assumed, pod.UID)
	}
}

// IsAssumed reports whether the pod is assumed and not yet confirmed.
func (c *Cache) IsAssumed(pod *corev1.Pod) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := c.pods[pod.UID]
	return ps != nil && ps.assumed
}

func (c *Cache) addLocked(pod *corev1.Pod) {
	it := c.item(pod.Spec.NodeName)
	it.info.AddPod(pod)
	c.touch(pod.Spec.NodeName, it)
}

func (c *Cache) removeLocked(pod *corev1.Pod) {
	it := c.nodes[pod.Spec.NodeName]
	if it == nil {
		return
	}
	_ = it.info.RemovePod(pod)
	c.touch(pod.Spec.NodeName, it)
	if it.info.Node() == nil && len(it.info.Pods) == 0 {
		delete(c.nodes, pod.Spec.NodeName)
	}
}

// expireLocked drops assumed pods whose binding finished long ago but
// were never confirmed (the binding was lost).
func (c *Cache) expireLocked() {
	now := c.clock.Now()
	for uid, ps := range c.assumed {
		if ps.bindingDone && now.After(ps.deadline) {
			c.removeLocked(ps.pod)
			delete(c.pods, uid)
			delete(c.assumed, uid)
		}
	}
}

// Snapshot returns the view for one scheduling cycle. Only nodes that
// changed since the last cycle are copied; the returned snapshot stays
// valid until the next call (cycles run one at a time).
func (c *Cache) Snapshot() *framework.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	if c.snap == nil || c.orderGen > c.orderSeen {
		c.rebuildLocked()
		return c.snap
	}
	for name := range c.dirty {
		if i, ok := c.index[name]; ok {
			c.snap.Replace(i, c.cloneLocked(c.nodes[name]))
		}
	}
	clear(c.dirty)
	var ns map[string]map[string]string
	if c.nsChanged {
		ns, c.nsChanged = c.nsLabels, false
	}
	c.snap.Refresh(ns)
	return c.snap
}

// rebuildLocked makes a new snapshot of every node, sorted by name.
func (c *Cache) rebuildLocked() {
	names := make([]string, 0, len(c.nodes))
	for name, it := range c.nodes {
		if it.info.Node() != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	infos := make([]*framework.NodeInfo, len(names))
	c.index = make(map[string]int, len(names))
	for i, name := range names {
		infos[i] = c.cloneLocked(c.nodes[name])
		c.index[name] = i
	}
	c.snap = framework.NewSnapshotFromNodeInfos(infos, c.nsLabels)
	c.orderSeen = c.gen
	c.nsChanged = false
	clear(c.dirty)
}

func (c *Cache) cloneLocked(it *nodeItem) *framework.NodeInfo {
	clone := it.info.Clone()
	c.fillImages(clone)
	return clone
}

func (c *Cache) fillImages(ni *framework.NodeInfo) {
	for _, img := range ni.Node().Status.Images {
		for _, name := range img.Names {
			ni.ImageStates[name] = &framework.ImageStateSummary{Size: img.SizeBytes, NumNodes: c.images[name]}
		}
	}
}

// Counts reports the numbers of nodes and pods, for metrics and tests.
func (c *Cache) Counts() (nodes, pods int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, it := range c.nodes {
		if it.info.Node() != nil {
			nodes++
		}
	}
	return nodes, len(c.pods)
}
