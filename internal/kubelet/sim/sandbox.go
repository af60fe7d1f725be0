package sim

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// sandbox is the state kept per pod sandbox. Metadata, labels and annotations
// are the caller's objects (ownership passes to the runtime, as it would over
// gRPC) and are shared, read-only, with the objects the runtime returns.
type sandbox struct {
	id          string
	meta        *runtimeapi.PodSandboxMetadata
	labels      map[string]string
	annotations map[string]string
	logDir      string
	handler     string
	nsOpts      *runtimeapi.NamespaceOption
	state       runtimeapi.PodSandboxState
	createdAt   int64
	ip          netip.Addr
	pool        *ipPool // where ip came from (nil: host network, no IP)
	containers  []*container
}

// sandboxName is the name containerd reserves for a sandbox:
// <name>_<namespace>_<uid>_<attempt>.
type sandboxName struct {
	name, namespace, uid string
	attempt              uint32
}

func (n sandboxName) String() string {
	return strings.Join([]string{n.name, n.namespace, n.uid, strconv.FormatUint(uint64(n.attempt), 10)}, "_")
}

// RunPodSandbox creates a READY sandbox with a pod IP from the pod CIDR (none
// for host-network pods). Errors: InvalidArgument without metadata,
// AlreadyExists ("name ... is reserved for ...") for a duplicate
// name+namespace+uid+attempt, Unknown when the IP range is exhausted or the pod
// scripts a sandbox failure (sim.orca.dev/sandbox-error), NotFound for an
// unconfigured runtime handler.
func (r *Runtime) RunPodSandbox(ctx context.Context, config *runtimeapi.PodSandboxConfig, runtimeHandler string) (string, error) {
	md := config.GetMetadata()
	if md == nil {
		return "", status.Error(codes.InvalidArgument, "sandbox config must include metadata")
	}
	if r.handlers != nil && !r.handlers[runtimeHandler] {
		return "", errNotFound("failed to get sandbox runtime: no runtime for %q is configured", runtimeHandler)
	}
	if msg, ok := config.GetAnnotations()[AnnotationSandboxError]; ok {
		return "", status.Errorf(codes.Unknown, "failed to create containerd task: %s", msg)
	}
	id := newID()
	name := sandboxName{md.GetName(), md.GetNamespace(), md.GetUid(), md.GetAttempt()}

	r.mu.Lock()
	defer r.mu.Unlock()
	if owner, ok := r.sbNames[name]; ok {
		return "", status.Errorf(codes.AlreadyExists, "failed to reserve sandbox name %q: name %q is reserved for %q", name, name, owner)
	}
	sb := &sandbox{
		id:          id,
		meta:        md,
		labels:      config.GetLabels(),
		annotations: config.GetAnnotations(),
		logDir:      config.GetLogDirectory(),
		handler:     runtimeHandler,
		nsOpts:      config.GetLinux().GetSecurityContext().GetNamespaceOptions(),
		state:       runtimeapi.PodSandboxState_SANDBOX_READY,
		createdAt:   r.now(),
	}
	if sb.nsOpts.GetNetwork() != runtimeapi.NamespaceMode_NODE {
		ip, err := r.pool.allocate()
		if err != nil {
			return "", status.Errorf(codes.Unknown, "failed to setup network for sandbox %q: plugin type=\"host-local\" failed (add): %v", id, err)
		}
		sb.ip, sb.pool = ip, r.pool
	}
	r.sbNames[name] = id
	r.sandboxes[id] = sb
	r.emitLocked(id, runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT, sb.createdAt, sb)
	r.emitLocked(id, runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT, sb.createdAt, sb)
	return id, nil
}

// getSandboxLocked resolves a full ID or, like containerd's truncindex, a
// unique ID prefix.
func (r *Runtime) getSandboxLocked(id string) *sandbox {
	if sb, ok := r.sandboxes[id]; ok {
		return sb
	}
	if id == "" {
		return nil
	}
	var found *sandbox
	for k, sb := range r.sandboxes {
		if strings.HasPrefix(k, id) {
			if found != nil {
				return nil // ambiguous
			}
			found = sb
		}
	}
	return found
}

// StopPodSandbox kills every running container of the sandbox (SIGKILL: exit
// code 137, reason Error, as containerd does) and marks it NOTREADY. The pod IP
// stays assigned until RemovePodSandbox. Idempotent; NotFound for an unknown ID.
func (r *Runtime) StopPodSandbox(ctx context.Context, podSandboxID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sb := r.getSandboxLocked(podSandboxID)
	if sb == nil {
		return errNotFound("an error occurred when try to find sandbox %q: not found", podSandboxID)
	}
	r.stopSandboxLocked(sb)
	return nil
}

func (r *Runtime) stopSandboxLocked(sb *sandbox) {
	now := r.now()
	for _, c := range sb.containers {
		r.advanceLocked(c, now)
		if c.active() {
			r.exitLocked(c, now, exitCodeKilled, "")
		}
	}
	if sb.state == runtimeapi.PodSandboxState_SANDBOX_READY {
		sb.state = runtimeapi.PodSandboxState_SANDBOX_NOTREADY
		r.emitLocked(sb.id, runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT, now, sb)
	}
}

// RemovePodSandbox force-stops the sandbox if it is still ready (as containerd
// does), removes its containers, releases its name and pod IP. Removing an
// unknown sandbox succeeds (the CRI requires idempotence).
func (r *Runtime) RemovePodSandbox(ctx context.Context, podSandboxID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sb := r.getSandboxLocked(podSandboxID)
	if sb == nil {
		return nil
	}
	r.stopSandboxLocked(sb)
	for len(sb.containers) > 0 {
		r.removeContainerLocked(sb.containers[len(sb.containers)-1])
	}
	if sb.pool != nil {
		sb.pool.release(sb.ip)
		sb.pool = nil
	}
	md := sb.meta
	delete(r.sbNames, sandboxName{md.GetName(), md.GetNamespace(), md.GetUid(), md.GetAttempt()})
	delete(r.sandboxes, sb.id)
	r.emitLocked(sb.id, runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT, r.now(), nil)
	return nil
}

// PodSandboxStatus reports the sandbox and, like containerd 1.7+ (for the
// evented PLEG), the statuses of its containers and a timestamp.
func (r *Runtime) PodSandboxStatus(ctx context.Context, podSandboxID string, verbose bool) (*runtimeapi.PodSandboxStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sb := r.getSandboxLocked(podSandboxID)
	if sb == nil {
		return nil, errNotFound("an error occurred when try to find sandbox %q: not found", podSandboxID)
	}
	now := r.now()
	resp := &runtimeapi.PodSandboxStatusResponse{
		Status:             r.sandboxStatusLocked(sb),
		ContainersStatuses: make([]*runtimeapi.ContainerStatus, 0, len(sb.containers)),
		Timestamp:          now,
	}
	for _, c := range sb.containers {
		r.advanceLocked(c, now)
		resp.ContainersStatuses = append(resp.ContainersStatuses, r.containerStatusLocked(c))
	}
	if verbose {
		resp.Info = map[string]string{"info": fmt.Sprintf(`{"pid":0,"runtimeHandler":%q,"simulated":true}`, sb.handler)}
	}
	return resp, nil
}

func (r *Runtime) sandboxStatusLocked(sb *sandbox) *runtimeapi.PodSandboxStatus {
	st := &runtimeapi.PodSandboxStatus{
		Id:             sb.id,
		Metadata:       sb.meta,
		State:          sb.state,
		CreatedAt:      sb.createdAt,
		Network:        &runtimeapi.PodSandboxNetworkStatus{},
		Labels:         sb.labels,
		Annotations:    sb.annotations,
		RuntimeHandler: sb.handler,
	}
	if sb.ip.IsValid() {
		st.Network.Ip = sb.ip.String()
	}
	if sb.nsOpts != nil {
		st.Linux = &runtimeapi.LinuxPodSandboxStatus{Namespaces: &runtimeapi.Namespace{Options: sb.nsOpts}}
	}
	return st
}

// ListPodSandbox lists sandboxes matching the filter (ID or unique ID prefix,
// state, label selector: all key=value pairs must match).
func (r *Runtime) ListPodSandbox(ctx context.Context, filter *runtimeapi.PodSandboxFilter) ([]*runtimeapi.PodSandbox, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*runtimeapi.PodSandbox
	add := func(sb *sandbox) {
		if filter.GetState() != nil && filter.GetState().GetState() != sb.state {
			return
		}
		if !matchLabels(sb.labels, filter.GetLabelSelector()) {
			return
		}
		out = append(out, &runtimeapi.PodSandbox{
			Id:             sb.id,
			Metadata:       sb.meta,
			State:          sb.state,
			CreatedAt:      sb.createdAt,
			Labels:         sb.labels,
			Annotations:    sb.annotations,
			RuntimeHandler: sb.handler,
		})
	}
	if id := filter.GetId(); id != "" {
		if sb := r.getSandboxLocked(id); sb != nil {
			add(sb)
		}
		return out, nil
	}
	out = make([]*runtimeapi.PodSandbox, 0, len(r.sandboxes))
	for _, sb := range r.sandboxes {
		add(sb)
	}
	return out, nil
}

func matchLabels(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// PortForward needs a streaming server: Unimplemented.
func (r *Runtime) PortForward(ctx context.Context, request *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	return nil, errUnimplemented("PortForward")
}

// UpdatePodSandboxResources is accepted and ignored (no cgroups to update);
// NotFound for an unknown sandbox.
func (r *Runtime) UpdatePodSandboxResources(ctx context.Context, request *runtimeapi.UpdatePodSandboxResourcesRequest) (*runtimeapi.UpdatePodSandboxResourcesResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.getSandboxLocked(request.GetPodSandboxId()) == nil {
		return nil, errNotFound("an error occurred when try to find sandbox %q: not found", request.GetPodSandboxId())
	}
	return &runtimeapi.UpdatePodSandboxResourcesResponse{}, nil
}

// CheckpointPod is not supported: Unimplemented.
func (r *Runtime) CheckpointPod(ctx context.Context, options *runtimeapi.CheckpointPodRequest) error {
	return errUnimplemented("CheckpointPod")
}

// RestorePod is not supported: Unimplemented.
func (r *Runtime) RestorePod(ctx context.Context, options *runtimeapi.RestorePodRequest) (*runtimeapi.RestorePodResponse, error) {
	return nil, errUnimplemented("RestorePod")
}

// ---- pod IP allocation -----------------------------------------------------

// ipPool hands out addresses of a prefix round-robin (like CNI host-local),
// skipping the network address, the gateway (first address) and, for IPv4,
// the broadcast address. Large ranges are capped at maxPoolSize addresses.
type ipPool struct {
	prefix netip.Prefix
	first  netip.Addr // first allocatable address (network + 2)
	size   int
	used   []uint64 // bitmap over [0, size)
	count  int
	next   int
}

const maxPoolSize = 1 << 16

func newIPPool(cidr string) (*ipPool, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return nil, err
	}
	p = p.Masked()
	hostBits := p.Addr().BitLen() - p.Bits()
	size := maxPoolSize
	if hostBits < 17 {
		size = 1<<hostBits - 2 // network and gateway
		if p.Addr().Is4() {
			size-- // broadcast
		}
	}
	if size < 1 {
		return nil, errors.New("prefix too small for pod IPs")
	}
	first := p.Addr().Next().Next()
	return &ipPool{prefix: p, first: first, size: size, used: make([]uint64, (size+63)/64)}, nil
}

func (p *ipPool) rangeString() string {
	return p.first.String() + "-" + addAddr(p.first, p.size-1).String()
}

func (p *ipPool) allocate() (netip.Addr, error) {
	if p.count == p.size {
		return netip.Addr{}, fmt.Errorf("failed to allocate for range 0: no IP addresses available in range set: %s", p.rangeString())
	}
	for i := range p.size {
		off := (p.next + i) % p.size
		if p.used[off/64]&(1<<(off%64)) == 0 {
			p.used[off/64] |= 1 << (off % 64)
			p.count++
			p.next = (off + 1) % p.size
			return addAddr(p.first, off), nil
		}
	}
	panic("unreachable: ipPool count out of sync")
}

func (p *ipPool) release(ip netip.Addr) {
	off, ok := offsetAddr(p.first, ip)
	if !ok || off >= p.size {
		return
	}
	if p.used[off/64]&(1<<(off%64)) != 0 {
		p.used[off/64] &^= 1 << (off % 64)
		p.count--
	}
}

func addAddr(a netip.Addr, n int) netip.Addr {
	b := a.As16()
	carry := uint64(n)
	for i := 15; i >= 0 && carry > 0; i-- {
		s := uint64(b[i]) + carry&0xff
		b[i] = byte(s)
		carry = carry>>8 + s>>8
	}
	out := netip.AddrFrom16(b)
	if a.Is4() {
		out = out.Unmap()
	}
	return out
}

func offsetAddr(first, ip netip.Addr) (int, bool) {
	if first.Is4() != ip.Is4() {
		return 0, false
	}
	a, b := first.As16(), ip.As16()
	for i := range 8 {
		if a[i] != b[i] {
			return 0, false
		}
	}
	var x, y uint64
	for i := 8; i < 16; i++ {
		x = x<<8 | uint64(a[i])
		y = y<<8 | uint64(b[i])
	}
	if y < x || y-x >= maxPoolSize {
		return 0, false
	}
	return int(y - x), true
}
