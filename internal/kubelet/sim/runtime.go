package sim

import (
	"container/heap"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	cri "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// Compile-time checks: the simulated runtime is a drop-in CRI implementation.
var (
	_ cri.RuntimeService      = (*Runtime)(nil)
	_ cri.ImageManagerService = (*Runtime)(nil)
)

const (
	// RuntimeName is reported by Version.
	RuntimeName = "orca-sim"
	// RuntimeVersion is reported by Version.
	RuntimeVersion = "0.1.0"
	// DefaultPodCIDR is used when Options.PodCIDR is empty (containerd's default CNI range, one /24).
	DefaultPodCIDR = "10.88.0.0/24"
	// DefaultSandboxImage is imported (RepoTags only) and pinned at construction, like containerd's sandbox image.
	DefaultSandboxImage = "registry.k8s.io/pause:3.10"

	// Exit code of a container killed with SIGKILL (128+9), as containerd reports it.
	exitCodeKilled = 137
	// The Completed/Error/OOMKilled reasons containerd puts in ContainerStatus.Reason.
	reasonCompleted = "Completed"
	reasonError     = "Error"
	reasonOOMKilled = "OOMKilled"
)

// Options configures a simulated runtime. The zero value is usable.
type Options struct {
	// PodCIDR is the range pod IPs are allocated from (IPv4 or IPv6). The network
	// address, the first address (gateway) and, for IPv4, the broadcast address are
	// never handed out. Empty means DefaultPodCIDR. UpdateRuntimeConfig may replace
	// it later (the kubelet sends the node's spec.podCIDR there).
	PodCIDR string
	// Clock drives every timestamp and every scripted delay. Defaults to the real
	// clock; tests inject k8s.io/utils/clock/testing.FakeClock.
	Clock clock.WithDelayedExecution
	// StartDelay is how long a started container stays CREATED before it becomes
	// RUNNING (StartContainer itself returns at once). Per pod: sim.orca.dev/start-delay.
	StartDelay time.Duration
	// PullDelay makes PullImage block this long (on Clock) before succeeding.
	PullDelay time.Duration
	// UnpullablePattern is a regular expression; PullImage fails for any image
	// reference (as given, or normalized, e.g. docker.io/library/x:latest) that
	// matches it. New panics if it does not compile.
	UnpullablePattern string
	// SandboxImage is imported and pinned at start. Empty means DefaultSandboxImage.
	SandboxImage string
	// Images are imported at start: present with RepoTags but no RepoDigests, as
	// images imported into containerd with `ctr import` are.
	Images []string
	// RuntimeHandlers, when non-empty, are the only runtime handlers RunPodSandbox
	// accepts besides "" (the default handler). Empty means any handler is accepted.
	RuntimeHandlers []string
	// SystemdCgroup makes RuntimeConfig report the systemd cgroup driver; the
	// default is cgroupfs (what the agent configures containerd with).
	SystemdCgroup bool
}

// Runtime is an in-process simulated CRI runtime. It implements
// cri.RuntimeService and cri.ImageManagerService; all methods are safe for
// concurrent use. See the package documentation for behaviour and scripting.
type Runtime struct {
	clock        clock.WithDelayedExecution
	startDelay   time.Duration
	pullDelay    time.Duration
	unpullable   *regexp.Regexp
	handlers     map[string]bool
	cgroupDriver runtimeapi.CgroupDriver

	mu         sync.Mutex
	closed     bool
	pool       *ipPool
	sandboxes  map[string]*sandbox
	containers map[string]*container
	sbNames    map[sandboxName]string
	ctrNames   map[containerName]string
	images     map[string]*image // by image ID
	imageRefs  map[string]*image // by normalized tag or digest reference
	execCodes  map[string]int32  // SetExecExitCode overrides, by container ID

	// Single scheduler: one clock timer armed for the earliest pending deadline.
	wake     wakeHeap
	timer    clock.Timer
	timerAt  int64
	timerGen uint64

	subs []*subscriber
}

// New returns a simulated runtime. It panics if opts.PodCIDR or
// opts.UnpullablePattern is malformed (configuration errors, like regexp.MustCompile).
func New(opts Options) *Runtime {
	r := &Runtime{
		clock:        opts.Clock,
		startDelay:   opts.StartDelay,
		pullDelay:    opts.PullDelay,
		cgroupDriver: runtimeapi.CgroupDriver_CGROUPFS,
		sandboxes:    map[string]*sandbox{},
		containers:   map[string]*container{},
		sbNames:      map[sandboxName]string{},
		ctrNames:     map[containerName]string{},
		images:       map[string]*image{},
		imageRefs:    map[string]*image{},
	}
	if r.clock == nil {
		r.clock = clock.RealClock{}
	}
	if opts.SystemdCgroup {
		r.cgroupDriver = runtimeapi.CgroupDriver_SYSTEMD
	}
	if opts.UnpullablePattern != "" {
		r.unpullable = regexp.MustCompile(opts.UnpullablePattern)
	}
	if len(opts.RuntimeHandlers) > 0 {
		r.handlers = map[string]bool{"": true}
		for _, h := range opts.RuntimeHandlers {
			r.handlers[h] = true
		}
	}
	cidr := opts.PodCIDR
	if cidr == "" {
		cidr = DefaultPodCIDR
	}
	pool, err := newIPPool(cidr)
	if err != nil {
		panic(fmt.Sprintf("sim: invalid PodCIDR: %v", err))
	}
	r.pool = pool
	sbImage := opts.SandboxImage
	if sbImage == "" {
		sbImage = DefaultSandboxImage
	}
	if err := r.ImportImage(sbImage, true); err != nil {
		panic(fmt.Sprintf("sim: invalid SandboxImage: %v", err))
	}
	for _, img := range opts.Images {
		if err := r.ImportImage(img, false); err != nil {
			panic(fmt.Sprintf("sim: invalid image %q: %v", img, err))
		}
	}
	return r
}

// now returns the clock's time in Unix nanoseconds, the CRI timestamp unit.
func (r *Runtime) now() int64 { return r.clock.Now().UnixNano() }

// newID returns a random 64-hex-digit ID, the shape containerd uses.
func newID() string {
	var b [32]byte
	for i := 0; i < 32; i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

func errNotFound(format string, args ...any) error {
	return status.Errorf(codes.NotFound, format, args...)
}

func errUnimplemented(method string) error {
	return status.Errorf(codes.Unimplemented, "%s is not supported by the simulated runtime %s", method, RuntimeName)
}

// ---- scheduler -------------------------------------------------------------

type wakeEntry struct {
	at int64
	c  *container
}

type wakeHeap []wakeEntry

func (h wakeHeap) Len() int           { return len(h) }
func (h wakeHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h wakeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *wakeHeap) Push(x any)        { *h = append(*h, x.(wakeEntry)) }
func (h *wakeHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = wakeEntry{}
	*h = old[:len(old)-1]
	return e
}

// scheduleLocked records that c has a state transition due at `at`. State is
// also advanced lazily on every read, so results never depend on when the
// timer goroutine runs; the timer exists so that GetContainerEvents
// subscribers hear about exits without polling.
func (r *Runtime) scheduleLocked(c *container, at int64) {
	heap.Push(&r.wake, wakeEntry{at: at, c: c})
	r.armLocked()
}

func (r *Runtime) armLocked() {
	if r.closed || len(r.wake) == 0 {
		return
	}
	next := r.wake[0].at
	if r.timer != nil && r.timerAt <= next {
		return
	}
	if r.timer != nil {
		r.timer.Stop()
	}
	r.timerGen++
	gen := r.timerGen
	r.timerAt = next
	d := time.Duration(next - r.now())
	// FakeClock runs AfterFunc callbacks synchronously with its own lock held,
	// so the callback only hands off to a goroutine (no clock or r.mu calls).
	r.timer = r.clock.AfterFunc(max(d, 0), func() { go r.fire(gen) })
}

func (r *Runtime) fire(gen uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if gen != r.timerGen || r.closed {
		return
	}
	r.timer = nil
	r.timerAt = 0
	now := r.now()
	for len(r.wake) > 0 && r.wake[0].at <= now {
		e := heap.Pop(&r.wake).(wakeEntry)
		if !e.c.removed {
			r.advanceLocked(e.c, now)
		}
	}
	r.armLocked()
}

// ---- container events ------------------------------------------------------

type subscriber struct {
	queue  []*runtimeapi.ContainerEventResponse
	notify chan struct{}
}

func (r *Runtime) emitLocked(id string, typ runtimeapi.ContainerEventType, at int64, sb *sandbox) {
	if len(r.subs) == 0 {
		return
	}
	ev := &runtimeapi.ContainerEventResponse{
		ContainerId:        id,
		ContainerEventType: typ,
		CreatedAt:          at,
	}
	if sb != nil {
		ev.PodSandboxStatus = r.sandboxStatusLocked(sb)
		ev.ContainersStatuses = make([]*runtimeapi.ContainerStatus, 0, len(sb.containers))
		for _, c := range sb.containers {
			ev.ContainersStatuses = append(ev.ContainersStatuses, r.containerStatusLocked(c))
		}
	}
	for _, s := range r.subs {
		s.queue = append(s.queue, ev)
		select {
		case s.notify <- struct{}{}:
		default:
		}
	}
}

// GetContainerEvents streams container lifecycle events (created, started,
// stopped, deleted; for sandboxes too, with the sandbox ID as container ID, as
// containerd does) to containerEventsCh until ctx is cancelled or the runtime is
// closed. connectionEstablishedCallback is called with a nil stream client once
// the subscription is registered (there is no gRPC stream in process).
func (r *Runtime) GetContainerEvents(ctx context.Context, containerEventsCh chan *runtimeapi.ContainerEventResponse, connectionEstablishedCallback func(runtimeapi.RuntimeService_GetContainerEventsClient)) error {
	s := &subscriber{notify: make(chan struct{}, 1)}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return status.Error(codes.Unavailable, "runtime is closed")
	}
	r.subs = append(r.subs, s)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		for i, x := range r.subs {
			if x == s {
				r.subs = append(r.subs[:i], r.subs[i+1:]...)
				break
			}
		}
		r.mu.Unlock()
	}()
	if connectionEstablishedCallback != nil {
		connectionEstablishedCallback(nil)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-s.notify:
			if !ok {
				return status.Error(codes.Unavailable, "runtime is closed")
			}
		}
		r.mu.Lock()
		batch := s.queue
		s.queue = nil
		r.mu.Unlock()
		for _, ev := range batch {
			select {
			case containerEventsCh <- ev:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// ---- runtime-level methods -------------------------------------------------

// Version reports RuntimeName / RuntimeVersion and CRI API v1.
func (r *Runtime) Version(ctx context.Context, apiVersion string) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{
		Version:           "0.1.0",
		RuntimeName:       RuntimeName,
		RuntimeVersion:    RuntimeVersion,
		RuntimeApiVersion: "v1",
	}, nil
}

// Status reports RuntimeReady and NetworkReady true, and the runtime handlers.
func (r *Runtime) Status(ctx context.Context, verbose bool) (*runtimeapi.StatusResponse, error) {
	resp := &runtimeapi.StatusResponse{
		Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
			{Type: runtimeapi.RuntimeReady, Status: true},
			{Type: runtimeapi.NetworkReady, Status: true},
		}},
		RuntimeHandlers: []*runtimeapi.RuntimeHandler{{Name: "", Features: &runtimeapi.RuntimeHandlerFeatures{RecursiveReadOnlyMounts: true}}},
	}
	for h := range r.handlers {
		if h != "" {
			resp.RuntimeHandlers = append(resp.RuntimeHandlers, &runtimeapi.RuntimeHandler{Name: h, Features: &runtimeapi.RuntimeHandlerFeatures{RecursiveReadOnlyMounts: true}})
		}
	}
	if verbose {
		r.mu.Lock()
		resp.Info = map[string]string{"config": fmt.Sprintf(`{"runtime":%q,"podCIDR":%q}`, RuntimeName, r.pool.prefix.String())}
		r.mu.Unlock()
	}
	return resp, nil
}

// RuntimeConfig reports the configured cgroup driver.
func (r *Runtime) RuntimeConfig(ctx context.Context) (*runtimeapi.RuntimeConfigResponse, error) {
	return &runtimeapi.RuntimeConfigResponse{Linux: &runtimeapi.LinuxRuntimeConfiguration{CgroupDriver: r.cgroupDriver}}, nil
}

// UpdateRuntimeConfig takes the pod CIDR the kubelet sends (the node's
// spec.podCIDR; the first of a comma-separated dual-stack pair) and allocates
// new pod IPs from it. IPs already handed out stay valid and are released to
// the range they came from. An empty CIDR or the current one is a no-op.
func (r *Runtime) UpdateRuntimeConfig(ctx context.Context, runtimeConfig *runtimeapi.RuntimeConfig) error {
	cidr := runtimeConfig.GetNetworkConfig().GetPodCidr()
	for i := range len(cidr) {
		if cidr[i] == ',' {
			cidr = cidr[:i]
			break
		}
	}
	if cidr == "" {
		return nil
	}
	pool, err := newIPPool(cidr)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "invalid pod CIDR %q: %v", cidr, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pool.prefix != pool.prefix {
		r.pool = pool
	}
	return nil
}

// Close stops the scheduler timer and ends GetContainerEvents streams. State is
// kept: calls after Close keep answering (Close is shared by both CRI services).
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.timerGen++
	for _, s := range r.subs {
		close(s.notify)
	}
	r.subs = nil
	return nil
}
