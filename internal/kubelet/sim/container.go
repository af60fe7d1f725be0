package sim

import (
	"container/heap"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	utilexec "k8s.io/utils/exec"
)

// container is the state kept per container: a few pointers shared with the
// CreateContainer config, the timestamps and the parsed script. No goroutine
// and no timer of its own (see Runtime.scheduleLocked).
type container struct {
	id          string
	sb          *sandbox
	meta        *runtimeapi.ContainerMetadata
	image       *image
	imageSpec   *runtimeapi.ImageSpec
	labels      map[string]string
	annotations map[string]string
	mounts      []*runtimeapi.Mount
	resources   *runtimeapi.ContainerResources
	logPath     string
	reason      string

	createdAt  int64
	startedAt  int64 // while starting: when it becomes RUNNING
	finishedAt int64 // while RUNNING with a scripted exit: when it exits
	exitCode   int32
	state      runtimeapi.ContainerState
	starting   bool // started, StartDelay not yet elapsed (state still CREATED)
	exitPlan   bool // RUNNING and finishedAt is a scripted exit
	removed    bool
	script     script
}

// containerName is the name containerd reserves for a container:
// <container>_<pod>_<namespace>_<uid>_<attempt>.
type containerName struct {
	name, pod, namespace, uid string
	attempt                   uint32
}

func (n containerName) String() string {
	return strings.Join([]string{n.name, n.pod, n.namespace, n.uid, strconv.FormatUint(uint64(n.attempt), 10)}, "_")
}

// active reports whether the container counts as running for stop/kill.
func (c *container) active() bool {
	return c.state == runtimeapi.ContainerState_CONTAINER_RUNNING || c.starting
}

// advanceLocked applies the transitions whose time has come: a pending start
// (CREATED → RUNNING at startedAt) and a scripted exit (RUNNING → EXITED at
// finishedAt). Called on every read, so state never depends on timer latency.
func (r *Runtime) advanceLocked(c *container, now int64) {
	if c.starting && now >= c.startedAt {
		c.starting = false
		c.state = runtimeapi.ContainerState_CONTAINER_RUNNING
		r.emitLocked(c.id, runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT, c.startedAt, c.sb)
	}
	if c.exitPlan && c.state == runtimeapi.ContainerState_CONTAINER_RUNNING && now >= c.finishedAt {
		code, reason := c.script.exitCode, ""
		if c.script.oom {
			code, reason = exitCodeKilled, reasonOOMKilled
		}
		r.exitLocked(c, c.finishedAt, code, reason)
	}
}

// exitLocked moves a running (or still starting) container to EXITED.
func (r *Runtime) exitLocked(c *container, at int64, code int32, reason string) {
	if c.starting {
		c.starting = false
		c.startedAt = at
	}
	c.state = runtimeapi.ContainerState_CONTAINER_EXITED
	c.exitPlan = false
	c.finishedAt = at
	c.exitCode = code
	c.reason = reason
	r.emitLocked(c.id, runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT, at, c.sb)
}

func (r *Runtime) getContainerLocked(id string) *container {
	if c, ok := r.containers[id]; ok {
		return c
	}
	if id == "" {
		return nil
	}
	var found *container
	for k, c := range r.containers {
		if strings.HasPrefix(k, id) {
			if found != nil {
				return nil // ambiguous
			}
			found = c
		}
	}
	return found
}

func errContainerNotFound(id string) error {
	return errNotFound("an error occurred when try to find container %q: not found", id)
}

// CreateContainer creates a CREATED container in a READY sandbox. Errors:
// NotFound for an unknown sandbox or an image not in the store ("failed to get
// image"), FailedPrecondition for a sandbox that is not ready, AlreadyExists
// ("name ... is reserved for ...") for a duplicate name+attempt in the pod,
// InvalidArgument for a config without metadata or image.
func (r *Runtime) CreateContainer(ctx context.Context, podSandboxID string, config *runtimeapi.ContainerConfig, sandboxConfig *runtimeapi.PodSandboxConfig) (string, error) {
	md := config.GetMetadata()
	if md == nil {
		return "", status.Error(codes.InvalidArgument, "container config must include metadata")
	}
	if config.GetImage().GetImage() == "" {
		return "", status.Error(codes.InvalidArgument, "container config must include an image")
	}
	id := newID()

	r.mu.Lock()
	defer r.mu.Unlock()
	sb := r.getSandboxLocked(podSandboxID)
	if sb == nil {
		return "", errNotFound("failed to find sandbox id %q: not found", podSandboxID)
	}
	if sb.state != runtimeapi.PodSandboxState_SANDBOX_READY {
		return "", status.Errorf(codes.FailedPrecondition, "sandbox %q is not ready: sandbox container is not running", sb.id)
	}
	img := r.resolveImageLocked(config.GetImage().GetImage())
	if img == nil {
		return "", errNotFound("failed to get image %q: not found", config.GetImage().GetImage())
	}
	name := containerName{md.GetName(), sb.meta.GetName(), sb.meta.GetNamespace(), sb.meta.GetUid(), md.GetAttempt()}
	if owner, ok := r.ctrNames[name]; ok {
		return "", status.Errorf(codes.AlreadyExists, "failed to reserve container name %q: name %q is reserved for %q", name, name, owner)
	}
	c := &container{
		id:          id,
		sb:          sb,
		meta:        md,
		image:       img,
		imageSpec:   config.GetImage(),
		labels:      config.GetLabels(),
		annotations: config.GetAnnotations(),
		mounts:      config.GetMounts(),
		resources:   linuxResources(config.GetLinux().GetResources()),
		createdAt:   r.now(),
		state:       runtimeapi.ContainerState_CONTAINER_CREATED,
		script:      parseScript(sb.annotations, config.GetAnnotations(), md.GetName(), md.GetAttempt(), r.startDelay),
	}
	if sb.logDir != "" && config.GetLogPath() != "" {
		c.logPath = filepath.Join(sb.logDir, config.GetLogPath())
	}
	r.ctrNames[name] = id
	r.containers[id] = c
	sb.containers = append(sb.containers, c)
	r.emitLocked(id, runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT, c.createdAt, sb)
	return id, nil
}

func linuxResources(l *runtimeapi.LinuxContainerResources) *runtimeapi.ContainerResources {
	if l == nil {
		return nil
	}
	return &runtimeapi.ContainerResources{Linux: l}
}

// StartContainer starts a CREATED container. It returns at once; the container
// reports RUNNING after the start delay (Options.StartDelay or
// sim.orca.dev/start-delay) and then follows its script. FailedPrecondition if
// the container is not CREATED or its sandbox is not ready; NotFound if unknown.
func (r *Runtime) StartContainer(ctx context.Context, containerID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		return errContainerNotFound(containerID)
	}
	now := r.now()
	r.advanceLocked(c, now)
	if c.starting {
		return status.Errorf(codes.FailedPrecondition, "failed to set starting state for container %q: container is already in starting state", c.id)
	}
	if c.state != runtimeapi.ContainerState_CONTAINER_CREATED {
		return status.Errorf(codes.FailedPrecondition, "failed to set starting state for container %q: container is in %s state", c.id, stateString(c.state))
	}
	if c.sb.state != runtimeapi.PodSandboxState_SANDBOX_READY {
		return status.Errorf(codes.FailedPrecondition, "sandbox container %q is not running", c.sb.id)
	}
	c.startedAt = now + int64(c.script.startDelay)
	if c.script.startDelay > 0 {
		c.starting = true
		r.scheduleLocked(c, c.startedAt)
	} else {
		c.state = runtimeapi.ContainerState_CONTAINER_RUNNING
		r.emitLocked(c.id, runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT, now, c.sb)
	}
	if c.script.exits() {
		c.exitPlan = true
		c.finishedAt = c.startedAt + int64(c.script.runFor)
		r.scheduleLocked(c, c.finishedAt)
	}
	r.advanceLocked(c, now)
	return nil
}

func stateString(s runtimeapi.ContainerState) string {
	return strings.TrimPrefix(s.String(), "CONTAINER_")
}

// StopContainer stops a running container. timeout <= 0 kills it at once
// (exit 137). Otherwise the simulated process reacts to SIGTERM per its script:
// by default it exits at once with sim.orca.dev/term-exit-code (default 0);
// with sim.orca.dev/shutdown-delay it takes that long; with
// sim.orca.dev/ignore-sigterm (or a delay >= timeout) the call blocks for
// timeout on the clock and then kills it (exit 137), like a PID 1 without a
// SIGTERM handler. A container that is not running is left alone (nil).
// NotFound for an unknown ID.
func (r *Runtime) StopContainer(ctx context.Context, containerID string, timeout int64) error {
	r.mu.Lock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		r.mu.Unlock()
		return errContainerNotFound(containerID)
	}
	now := r.now()
	r.advanceLocked(c, now)
	if !c.active() {
		r.mu.Unlock()
		return nil
	}
	grace := time.Duration(timeout) * time.Second
	sd := c.script.shutdownDelay
	if timeout <= 0 {
		r.exitLocked(c, now, exitCodeKilled, "")
		r.mu.Unlock()
		return nil
	}
	if sd == 0 {
		r.exitLocked(c, now, c.script.termExitCode, "")
		r.mu.Unlock()
		return nil
	}
	r.mu.Unlock()

	wait, code := grace, int32(exitCodeKilled)
	if sd > 0 && sd < grace {
		wait, code = sd, c.script.termExitCode
	}
	t := r.clock.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	case <-t.C():
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if c.removed {
		return nil
	}
	r.advanceLocked(c, r.now())
	if c.active() {
		r.exitLocked(c, now+int64(wait), code, "")
	}
	return nil
}

// RemoveContainer removes a container, killing it first if it is running (as
// containerd does), and releases its name. Unknown IDs succeed (idempotent).
func (r *Runtime) RemoveContainer(ctx context.Context, containerID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		return nil
	}
	r.removeContainerLocked(c)
	return nil
}

func (r *Runtime) removeContainerLocked(c *container) {
	now := r.now()
	r.advanceLocked(c, now)
	if c.active() {
		r.exitLocked(c, now, exitCodeKilled, "")
	}
	c.removed = true
	// Drop pending wake-ups so the heap does not keep the container alive.
	if n := len(r.wake); n > 0 {
		r.wake = slices.DeleteFunc(r.wake, func(e wakeEntry) bool { return e.c == c })
		clear(r.wake[len(r.wake):n])
		if len(r.wake) != n {
			heap.Init(&r.wake)
		}
	}
	sb := c.sb
	for i, x := range sb.containers {
		if x == c {
			last := len(sb.containers) - 1
			sb.containers[i] = sb.containers[last]
			sb.containers[last] = nil
			sb.containers = sb.containers[:last]
			break
		}
	}
	delete(r.ctrNames, containerName{c.meta.GetName(), sb.meta.GetName(), sb.meta.GetNamespace(), sb.meta.GetUid(), c.meta.GetAttempt()})
	delete(r.containers, c.id)
	delete(r.execCodes, c.id)
	r.emitLocked(c.id, runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT, now, sb)
}

// ListContainers lists containers matching the filter (ID or unique prefix,
// state, sandbox ID, label selector).
func (r *Runtime) ListContainers(ctx context.Context, filter *runtimeapi.ContainerFilter) ([]*runtimeapi.Container, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	out := make([]*runtimeapi.Container, 0, len(r.containers))
	r.eachContainerLocked(filter.GetId(), filter.GetPodSandboxId(), func(c *container) {
		r.advanceLocked(c, now)
		if filter.GetState() != nil && filter.GetState().GetState() != c.state {
			return
		}
		if !matchLabels(c.labels, filter.GetLabelSelector()) {
			return
		}
		out = append(out, &runtimeapi.Container{
			Id:           c.id,
			PodSandboxId: c.sb.id,
			Metadata:     c.meta,
			Image:        c.imageSpec,
			ImageRef:     c.image.ref(),
			ImageId:      c.image.id,
			State:        c.state,
			CreatedAt:    c.createdAt,
			Labels:       c.labels,
			Annotations:  c.annotations,
		})
	})
	return out, nil
}

// eachContainerLocked calls fn for containers matching an optional ID and
// sandbox ID.
func (r *Runtime) eachContainerLocked(id, sandboxID string, fn func(*container)) {
	if id != "" {
		c := r.getContainerLocked(id)
		if c != nil && (sandboxID == "" || strings.HasPrefix(c.sb.id, sandboxID)) {
			fn(c)
		}
		return
	}
	if sandboxID != "" {
		if sb := r.getSandboxLocked(sandboxID); sb != nil {
			for _, c := range sb.containers {
				fn(c)
			}
		}
		return
	}
	for _, c := range r.containers {
		fn(c)
	}
}

// ContainerStatus reports a container's state, timestamps, exit code and
// reason (Completed / Error / OOMKilled), image, log path and resources.
func (r *Runtime) ContainerStatus(ctx context.Context, containerID string, verbose bool) (*runtimeapi.ContainerStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		return nil, errContainerNotFound(containerID)
	}
	r.advanceLocked(c, r.now())
	resp := &runtimeapi.ContainerStatusResponse{Status: r.containerStatusLocked(c)}
	if verbose {
		resp.Info = map[string]string{"info": fmt.Sprintf(`{"sandboxID":%q,"pid":0,"simulated":true}`, c.sb.id)}
	}
	return resp, nil
}

func (r *Runtime) containerStatusLocked(c *container) *runtimeapi.ContainerStatus {
	st := &runtimeapi.ContainerStatus{
		Id:          c.id,
		Metadata:    c.meta,
		State:       c.state,
		CreatedAt:   c.createdAt,
		ExitCode:    c.exitCode,
		Image:       c.imageSpec,
		ImageRef:    c.image.ref(),
		ImageId:     c.image.id,
		Reason:      c.reason,
		Labels:      c.labels,
		Annotations: c.annotations,
		Mounts:      c.mounts,
		LogPath:     c.logPath,
		Resources:   c.resources,
	}
	if tag := c.image.firstTag(); tag != "" {
		st.Image = &runtimeapi.ImageSpec{Image: tag, Annotations: c.imageSpec.GetAnnotations(), UserSpecifiedImage: c.imageSpec.GetUserSpecifiedImage(), RuntimeHandler: c.imageSpec.GetRuntimeHandler()}
	}
	if c.state == runtimeapi.ContainerState_CONTAINER_RUNNING || c.state == runtimeapi.ContainerState_CONTAINER_EXITED {
		st.StartedAt = c.startedAt
	}
	if c.state == runtimeapi.ContainerState_CONTAINER_EXITED {
		st.FinishedAt = c.finishedAt
		if st.Reason == "" {
			if c.exitCode == 0 {
				st.Reason = reasonCompleted
			} else {
				st.Reason = reasonError
			}
		}
	}
	return st
}

// UpdateContainerResources stores the resources; ContainerStatus reports them.
func (r *Runtime) UpdateContainerResources(ctx context.Context, containerID string, resources *runtimeapi.ContainerResources) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		return errContainerNotFound(containerID)
	}
	if resources != nil {
		c.resources = resources
	}
	return nil
}

// SetExecExitCode overrides, for one container, the exit code ExecSync
// returns (the sim.orca.dev/exec-exit-code annotations are otherwise used), so
// a test can flip a probe at run time. NotFound for an unknown container.
func (r *Runtime) SetExecExitCode(containerID string, code int32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		return errContainerNotFound(containerID)
	}
	if r.execCodes == nil {
		r.execCodes = map[string]int32{}
	}
	r.execCodes[c.id] = code
	return nil
}

// ExecSync simulates a command in a running container: it returns
// sim.orca.dev/exec-stdout as stdout and exits with sim.orca.dev/exec-exit-code
// (default 0; or the SetExecExitCode override). A non-zero code is returned as
// a k8s.io/utils/exec.CodeExitError, as the kubelet's remote CRI client does,
// so exec probes see the exit status. FailedPrecondition if not running.
func (r *Runtime) ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) (stdout []byte, stderr []byte, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		return nil, nil, errContainerNotFound(containerID)
	}
	r.advanceLocked(c, r.now())
	if c.state != runtimeapi.ContainerState_CONTAINER_RUNNING {
		return nil, nil, status.Errorf(codes.FailedPrecondition, "container is in %s state", stateString(c.state))
	}
	code, ok := r.execCodes[c.id]
	if !ok {
		if v, found := lookup(c.sb.annotations, c.annotations, AnnotationExecExitCode, c.meta.GetName()); found {
			n, perr := strconv.ParseInt(v, 10, 32)
			if perr == nil {
				code = int32(n)
			}
		}
	}
	if v, found := lookup(c.sb.annotations, c.annotations, AnnotationExecStdout, c.meta.GetName()); found {
		stdout = []byte(v)
	}
	if code != 0 {
		return stdout, stderr, utilexec.CodeExitError{
			Err:  fmt.Errorf("command '%s' exited with %d: %s", strings.Join(cmd, " "), code, stderr),
			Code: int(code),
		}
	}
	return stdout, stderr, nil
}

// Exec needs a streaming server: Unimplemented.
func (r *Runtime) Exec(ctx context.Context, request *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	return nil, errUnimplemented("Exec")
}

// Attach needs a streaming server: Unimplemented.
func (r *Runtime) Attach(ctx context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	return nil, errUnimplemented("Attach")
}

// ReopenContainerLog is a no-op for a running container (no log files are
// written); FailedPrecondition if it is not running, NotFound if unknown.
func (r *Runtime) ReopenContainerLog(ctx context.Context, containerID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		return errContainerNotFound(containerID)
	}
	r.advanceLocked(c, r.now())
	if c.state != runtimeapi.ContainerState_CONTAINER_RUNNING {
		return status.Error(codes.FailedPrecondition, "container is not running")
	}
	return nil
}

// CheckpointContainer is not supported: Unimplemented.
func (r *Runtime) CheckpointContainer(ctx context.Context, options *runtimeapi.CheckpointContainerRequest) error {
	return errUnimplemented("CheckpointContainer")
}
