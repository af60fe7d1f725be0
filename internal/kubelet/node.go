package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// NodeConfig is what the agent knows about its machine.
type NodeConfig struct {
	Labels      map[string]string
	Taints      []v1.Taint
	Capacity    v1.ResourceList
	Allocatable v1.ResourceList
	Addresses   []v1.NodeAddress
	// Info without the runtime version, which the kubelet asks the runtime.
	Info v1.NodeSystemInfo
	// Port is where the kubelet's HTTPS server listens.
	Port int32
}

// Upstream's limit on images listed in node status.
const maxNodeImages = 50

// nodeState is the node as this kubelet last reported it.
type nodeState struct {
	mu             sync.Mutex
	runtimeVersion string
	addresses      []v1.NodeAddress
	podCIDR        string
	lastStatus     *v1.NodeStatus
	lastWrite      time.Time
}

func (n *nodeState) hostIPs() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, a := range n.addresses {
		if a.Type == v1.NodeInternalIP {
			out = append(out, a.Address)
		}
	}
	return out
}

// registerNode creates the Node, or brings an existing one's labels and
// status up to date (a restarted agent).
func (k *Kubelet) registerNode(ctx context.Context) error {
	k.node.mu.Lock()
	k.node.addresses = k.cfg.Node.Addresses
	k.node.mu.Unlock()
	node := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Labels: k.cfg.Node.Labels},
		Spec:       v1.NodeSpec{Taints: k.cfg.Node.Taints},
	}
	created, err := k.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	switch {
	case err == nil:
		node = created
	case apierrors.IsAlreadyExists(err):
		node, err = k.client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := k.updateLabels(ctx, node); err != nil {
			return err
		}
	default:
		return fmt.Errorf("register node %s: %w", k.cfg.NodeName, err)
	}
	k.log.Info("node registered", "uid", node.UID)
	return k.writeNodeStatus(ctx, node, true)
}

func (k *Kubelet) updateLabels(ctx context.Context, node *v1.Node) error {
	missing := map[string]string{}
	for key, v := range k.cfg.Node.Labels {
		if node.Labels[key] != v {
			missing[key] = v
		}
	}
	if len(missing) == 0 {
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": missing}})
	_, err := k.client.CoreV1().Nodes().Patch(ctx, node.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

const (
	nodeStatusCheck = 10 * time.Second // how often the status is computed and compared
	// nodeStatusMaxAge is the longest time between two writes: upstream's
	// nodeStatusReportFrequency (5 min). The node's Lease is its heartbeat.
	nodeStatusMaxAge = 5 * time.Minute
)

// runNodeStatus writes the node's status on change (checked every 10 s)
// and at least every nodeStatusMaxAge.
func (k *Kubelet) runNodeStatus(ctx context.Context) {
	t := k.clock.NewTicker(nodeStatusCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		// The informer's copy is enough to compare against: status is
		// written with a patch, so a stale copy costs nothing.
		node, err := k.nodes.Get(k.cfg.NodeName)
		if apierrors.IsNotFound(err) {
			// Someone deleted the node: register again, as upstream does.
			if err := k.registerNode(ctx); err != nil {
				k.log.Warn("register node", "err", err)
			}
			continue
		}
		if err != nil {
			k.log.Warn("node status", "err", err)
			continue
		}
		if err := k.writeNodeStatus(ctx, node, false); err != nil {
			k.log.Warn("node status", "err", err)
		}
	}
}

// writeNodeStatus computes and, when needed, writes the node's status.
func (k *Kubelet) writeNodeStatus(ctx context.Context, node *v1.Node, force bool) error {
	st := k.nodeStatus(ctx, node)
	k.node.mu.Lock()
	same := k.node.lastStatus != nil && sameNodeStatus(*k.node.lastStatus, st)
	// Half a check early: the last write ended a little after its tick,
	// and waiting for a full minute would make the period 70 s.
	due := k.clock.Since(k.node.lastWrite) >= nodeStatusMaxAge-nodeStatusCheck/2
	k.node.mu.Unlock()
	if same && !due && !force {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"status": st})
	if err != nil {
		return err
	}
	if _, err := k.client.CoreV1().Nodes().Patch(ctx, node.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
		return err
	}
	k.node.mu.Lock()
	k.node.lastStatus, k.node.lastWrite = &st, k.clock.Now()
	k.node.mu.Unlock()
	return nil
}

// sameNodeStatus compares statuses ignoring heartbeat times.
func sameNodeStatus(a, b v1.NodeStatus) bool {
	strip := func(s v1.NodeStatus) v1.NodeStatus {
		s = *s.DeepCopy()
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = metav1.Time{}
		}
		return s
	}
	return equality.Semantic.DeepEqual(strip(a), strip(b))
}

func (k *Kubelet) nodeStatus(ctx context.Context, node *v1.Node) v1.NodeStatus {
	now := metav1.NewTime(k.clock.Now())
	info := k.cfg.Node.Info
	info.ContainerRuntimeVersion = k.node.runtimeVersion
	st := v1.NodeStatus{
		Capacity:        k.cfg.Node.Capacity,
		Allocatable:     k.cfg.Node.Allocatable,
		Addresses:       k.cfg.Node.Addresses,
		NodeInfo:        info,
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: k.cfg.Node.Port}},
		Images:          k.nodeImages(ctx),
	}
	ready, msg := k.runtimeReady(ctx)
	conds := []v1.NodeCondition{
		{Type: v1.NodeMemoryPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: v1.NodeDiskPressure, Status: v1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: v1.NodePIDPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
	}
	if !ready {
		conds[3] = v1.NodeCondition{Type: v1.NodeReady, Status: v1.ConditionFalse, Reason: "KubeletNotReady", Message: msg}
	}
	for i := range conds {
		conds[i].LastHeartbeatTime = now
		conds[i].LastTransitionTime = now
		for _, o := range node.Status.Conditions {
			if o.Type == conds[i].Type && o.Status == conds[i].Status && !o.LastTransitionTime.IsZero() {
				conds[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	st.Conditions = conds
	return st
}

// runtimeReady asks the runtime whether it and its network are ready.
func (k *Kubelet) runtimeReady(ctx context.Context) (bool, string) {
	st, err := k.rt.Status(ctx, false)
	if err != nil {
		k.networkReady.Store(false)
		return false, fmt.Sprintf("container runtime is down: %v", err)
	}
	var bad []string
	netOK := true
	for _, c := range st.GetStatus().GetConditions() {
		if !c.Status {
			bad = append(bad, fmt.Sprintf("%s=false reason:%s message:%s", c.Type, c.Reason, c.Message))
			if c.Type == runtimeapi.NetworkReady {
				netOK = false
			}
		}
	}
	k.networkReady.Store(netOK)
	if len(bad) > 0 {
		if !netOK && len(bad) == 1 {
			return false, "container runtime network not ready: " + bad[0]
		}
		return false, "container runtime not ready: " + fmt.Sprint(bad)
	}
	return true, ""
}

// runtimeNetworkReady is the cached answer, asked again while false.
func (k *Kubelet) runtimeNetworkReady(ctx context.Context) bool {
	if k.networkReady.Load() {
		return true
	}
	k.runtimeReady(ctx)
	return k.networkReady.Load()
}

func (k *Kubelet) nodeImages(ctx context.Context) []v1.ContainerImage {
	imgs, err := k.rt.ListImages(ctx, nil)
	if err != nil {
		return nil
	}
	sort.Slice(imgs, func(i, j int) bool { return imgs[i].GetSize() > imgs[j].GetSize() })
	var out []v1.ContainerImage
	for _, img := range imgs {
		names := append(append([]string{}, img.RepoDigests...), img.RepoTags...)
		if len(names) == 0 {
			continue
		}
		out = append(out, v1.ContainerImage{Names: names, SizeBytes: int64(img.GetSize())})
		if len(out) == maxNodeImages {
			break
		}
	}
	return out
}

// nodeChanged hands a newly assigned pod CIDR to the runtime and the agent.
func (k *Kubelet) nodeChanged(ctx context.Context, node *v1.Node) {
	cidr := node.Spec.PodCIDR
	k.node.mu.Lock()
	changed := cidr != "" && cidr != k.node.podCIDR
	if changed {
		k.node.podCIDR = cidr
	}
	k.node.mu.Unlock()
	if !changed {
		return
	}
	k.log.Info("pod CIDR assigned", "cidr", cidr)
	if k.cfg.OnPodCIDR != nil {
		if err := k.cfg.OnPodCIDR(cidr); err != nil {
			k.log.Error("configure pod network", "err", err)
		}
	}
	if err := k.rt.UpdateRuntimeConfig(ctx, &runtimeapi.RuntimeConfig{NetworkConfig: &runtimeapi.NetworkConfig{PodCidr: cidr}}); err != nil {
		k.log.Warn("update runtime config", "err", err)
	}
	k.networkReady.Store(false)
	go func() {
		// Report Ready as soon as the runtime picks the network up.
		for i := 0; i < 50 && !k.runtimeNetworkReady(ctx); i++ {
			select {
			case <-ctx.Done():
				return
			case <-k.clock.After(100 * time.Millisecond):
			}
		}
		if n, err := k.nodes.Get(k.cfg.NodeName); err == nil {
			_ = k.writeNodeStatus(ctx, n, false)
		}
	}()
}

func (k *Kubelet) allocatable() v1.ResourceList { return k.cfg.Node.Allocatable }

func (k *Kubelet) memoryCapacity() int64 {
	if q, ok := k.cfg.Node.Capacity[v1.ResourceMemory]; ok {
		return q.Value()
	}
	return 0
}

func isAPINotFound(err error) bool { return apierrors.IsNotFound(err) }
