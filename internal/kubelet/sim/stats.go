package sim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Simulated usage: a running container uses its scripted CPU rate
// (sim.orca.dev/cpu, default 1m) continuously since it started and a constant
// working set (sim.orca.dev/memory, default 4Mi).

func (r *Runtime) containerStatsLocked(c *container, now int64) *runtimeapi.ContainerStats {
	var cpuTotal, cpuRate, mem uint64
	end := now
	if c.state == runtimeapi.ContainerState_CONTAINER_EXITED {
		end = c.finishedAt
	}
	if c.state != runtimeapi.ContainerState_CONTAINER_CREATED && end > c.startedAt {
		cpuTotal = uint64(end-c.startedAt) / 1_000_000_000 * c.script.cpuNanoCores
		cpuTotal += uint64(end-c.startedAt) % 1_000_000_000 * c.script.cpuNanoCores / 1_000_000_000
	}
	if c.state == runtimeapi.ContainerState_CONTAINER_RUNNING {
		cpuRate, mem = c.script.cpuNanoCores, c.script.memoryBytes
	}
	return &runtimeapi.ContainerStats{
		Attributes: &runtimeapi.ContainerAttributes{Id: c.id, Metadata: c.meta, Labels: c.labels, Annotations: c.annotations},
		Cpu: &runtimeapi.CpuUsage{
			Timestamp:            now,
			UsageCoreNanoSeconds: &runtimeapi.UInt64Value{Value: cpuTotal},
			UsageNanoCores:       &runtimeapi.UInt64Value{Value: cpuRate},
		},
		Memory: &runtimeapi.MemoryUsage{
			Timestamp:       now,
			WorkingSetBytes: &runtimeapi.UInt64Value{Value: mem},
			UsageBytes:      &runtimeapi.UInt64Value{Value: mem},
			RssBytes:        &runtimeapi.UInt64Value{Value: mem},
		},
		WritableLayer: &runtimeapi.FilesystemUsage{
			Timestamp:  now,
			FsId:       &runtimeapi.FilesystemIdentifier{Mountpoint: imageFsMountpoint},
			UsedBytes:  &runtimeapi.UInt64Value{Value: 4096},
			InodesUsed: &runtimeapi.UInt64Value{Value: 1},
		},
	}
}

// ContainerStats reports simulated usage for one container; NotFound if unknown.
func (r *Runtime) ContainerStats(ctx context.Context, containerID string) (*runtimeapi.ContainerStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.getContainerLocked(containerID)
	if c == nil {
		return nil, errContainerNotFound(containerID)
	}
	now := r.now()
	r.advanceLocked(c, now)
	return r.containerStatsLocked(c, now), nil
}

// ListContainerStats reports running containers matching the filter (like
// containerd, which only has metrics for live tasks).
func (r *Runtime) ListContainerStats(ctx context.Context, filter *runtimeapi.ContainerStatsFilter) ([]*runtimeapi.ContainerStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	var out []*runtimeapi.ContainerStats
	r.eachContainerLocked(filter.GetId(), filter.GetPodSandboxId(), func(c *container) {
		r.advanceLocked(c, now)
		if c.state != runtimeapi.ContainerState_CONTAINER_RUNNING || !matchLabels(c.labels, filter.GetLabelSelector()) {
			return
		}
		out = append(out, r.containerStatsLocked(c, now))
	})
	return out, nil
}

func (r *Runtime) sandboxStatsLocked(sb *sandbox, now int64) *runtimeapi.PodSandboxStats {
	var cpuTotal, cpuRate, mem uint64
	linux := &runtimeapi.LinuxPodSandboxStats{}
	for _, c := range sb.containers {
		r.advanceLocked(c, now)
		if c.state != runtimeapi.ContainerState_CONTAINER_RUNNING {
			continue
		}
		cs := r.containerStatsLocked(c, now)
		cpuTotal += cs.Cpu.UsageCoreNanoSeconds.Value
		cpuRate += cs.Cpu.UsageNanoCores.Value
		mem += cs.Memory.WorkingSetBytes.Value
		linux.Containers = append(linux.Containers, cs)
	}
	linux.Cpu = &runtimeapi.CpuUsage{
		Timestamp:            now,
		UsageCoreNanoSeconds: &runtimeapi.UInt64Value{Value: cpuTotal},
		UsageNanoCores:       &runtimeapi.UInt64Value{Value: cpuRate},
	}
	linux.Memory = &runtimeapi.MemoryUsage{
		Timestamp:       now,
		WorkingSetBytes: &runtimeapi.UInt64Value{Value: mem},
		UsageBytes:      &runtimeapi.UInt64Value{Value: mem},
		RssBytes:        &runtimeapi.UInt64Value{Value: mem},
	}
	linux.Network = &runtimeapi.NetworkUsage{
		Timestamp:        now,
		DefaultInterface: &runtimeapi.NetworkInterfaceUsage{Name: "eth0", RxBytes: &runtimeapi.UInt64Value{}, TxBytes: &runtimeapi.UInt64Value{}, RxErrors: &runtimeapi.UInt64Value{}, TxErrors: &runtimeapi.UInt64Value{}},
	}
	linux.Process = &runtimeapi.ProcessUsage{Timestamp: now, ProcessCount: &runtimeapi.UInt64Value{Value: uint64(len(linux.Containers))}}
	return &runtimeapi.PodSandboxStats{
		Attributes: &runtimeapi.PodSandboxAttributes{Id: sb.id, Metadata: sb.meta, Labels: sb.labels, Annotations: sb.annotations},
		Linux:      linux,
	}
}

// PodSandboxStats sums the simulated usage of the sandbox's running containers.
func (r *Runtime) PodSandboxStats(ctx context.Context, podSandboxID string) (*runtimeapi.PodSandboxStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sb := r.getSandboxLocked(podSandboxID)
	if sb == nil {
		return nil, errNotFound("an error occurred when try to find sandbox %q: not found", podSandboxID)
	}
	return r.sandboxStatsLocked(sb, r.now()), nil
}

// ListPodSandboxStats reports ready sandboxes matching the filter.
func (r *Runtime) ListPodSandboxStats(ctx context.Context, filter *runtimeapi.PodSandboxStatsFilter) ([]*runtimeapi.PodSandboxStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	var out []*runtimeapi.PodSandboxStats
	add := func(sb *sandbox) {
		if sb.state == runtimeapi.PodSandboxState_SANDBOX_READY && matchLabels(sb.labels, filter.GetLabelSelector()) {
			out = append(out, r.sandboxStatsLocked(sb, now))
		}
	}
	if id := filter.GetId(); id != "" {
		if sb := r.getSandboxLocked(id); sb != nil {
			add(sb)
		}
		return out, nil
	}
	for _, sb := range r.sandboxes {
		add(sb)
	}
	return out, nil
}

// ListMetricDescriptors returns no descriptors (no cAdvisor-style metrics).
func (r *Runtime) ListMetricDescriptors(ctx context.Context) ([]*runtimeapi.MetricDescriptor, error) {
	return nil, nil
}

// ListPodSandboxMetrics returns no metrics (see ListMetricDescriptors).
func (r *Runtime) ListPodSandboxMetrics(ctx context.Context) ([]*runtimeapi.PodSandboxMetrics, error) {
	return nil, nil
}
