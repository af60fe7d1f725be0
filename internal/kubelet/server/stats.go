package server

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// serveStatsSummary is GET /stats/summary: node usage from /proc, pod and
// container usage from the runtime.
func (s *Server) serveStatsSummary(w http.ResponseWriter, r *http.Request) {
	pods, err := s.podStats(r.Context())
	if err != nil {
		writeError(w, runtimeError(err))
		return
	}
	writeJSON(w, http.StatusOK, &Summary{
		Node: NodeStats{NodeName: s.cfg.NodeName, StartTime: metav1.NewTime(bootTime()), CPU: s.nodeCPU(), Memory: nodeMemory()},
		Pods: pods,
	})
}

// podStats joins ready sandboxes, their running containers and the
// runtime's usage figures. Pod totals come from the sandbox stats when the
// runtime has them, else from the sum of the containers.
func (s *Server) podStats(ctx context.Context) ([]PodStats, error) {
	rt := s.cfg.Runtime
	sandboxes, err := rt.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY}})
	if err != nil {
		return nil, err
	}
	containers, err := rt.ListContainers(ctx, &runtimeapi.ContainerFilter{State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}})
	if err != nil {
		return nil, err
	}
	cstats, err := rt.ListContainerStats(ctx, &runtimeapi.ContainerStatsFilter{})
	if err != nil {
		return nil, err
	}
	sbstats, err := rt.ListPodSandboxStats(ctx, &runtimeapi.PodSandboxStatsFilter{})
	if err != nil && status.Code(err) != codes.Unimplemented {
		return nil, err
	}
	pods := map[string]*PodStats{}
	for _, sb := range sandboxes {
		m := sb.GetMetadata()
		pods[sb.Id] = &PodStats{
			PodRef:     PodReference{Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUid()},
			StartTime:  metav1.NewTime(time.Unix(0, sb.CreatedAt)),
			Containers: []ContainerStats{},
		}
	}
	addContainers(pods, containers, cstats)
	for _, st := range sbstats {
		if p := pods[st.GetAttributes().GetId()]; p != nil && st.GetLinux() != nil {
			p.CPU, p.Memory = cpuStats(st.Linux.Cpu), memoryStats(st.Linux.Memory)
		}
	}
	out := make([]PodStats, 0, len(pods))
	for _, p := range pods {
		if p.CPU == nil && p.Memory == nil {
			p.CPU, p.Memory = sumContainers(p.Containers)
		}
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PodStats) int {
		return cmp.Or(cmp.Compare(a.PodRef.Namespace, b.PodRef.Namespace), cmp.Compare(a.PodRef.Name, b.PodRef.Name))
	})
	return out, nil
}

func addContainers(pods map[string]*PodStats, containers []*runtimeapi.Container, stats []*runtimeapi.ContainerStats) {
	byID := map[string]*runtimeapi.Container{}
	for _, c := range containers {
		byID[c.Id] = c
	}
	for _, st := range stats {
		c := byID[st.GetAttributes().GetId()]
		if c == nil || pods[c.PodSandboxId] == nil {
			continue // not running, or not in a ready sandbox
		}
		p := pods[c.PodSandboxId]
		p.Containers = append(p.Containers, ContainerStats{
			Name: c.GetMetadata().GetName(), StartTime: metav1.NewTime(time.Unix(0, c.CreatedAt)),
			CPU: cpuStats(st.Cpu), Memory: memoryStats(st.Memory),
		})
	}
	for _, p := range pods {
		slices.SortFunc(p.Containers, func(a, b ContainerStats) int { return cmp.Compare(a.Name, b.Name) })
	}
}

func cpuStats(u *runtimeapi.CpuUsage) *CPUStats {
	if u == nil {
		return nil
	}
	return &CPUStats{
		Time:                 metav1.NewTime(time.Unix(0, u.Timestamp)),
		UsageNanoCores:       value(u.UsageNanoCores),
		UsageCoreNanoSeconds: value(u.UsageCoreNanoSeconds),
	}
}

func memoryStats(u *runtimeapi.MemoryUsage) *MemoryStats {
	if u == nil {
		return nil
	}
	return &MemoryStats{
		Time:            metav1.NewTime(time.Unix(0, u.Timestamp)),
		AvailableBytes:  value(u.AvailableBytes),
		UsageBytes:      value(u.UsageBytes),
		WorkingSetBytes: value(u.WorkingSetBytes),
		RSSBytes:        value(u.RssBytes),
	}
}

func value(v *runtimeapi.UInt64Value) *uint64 {
	if v == nil {
		return nil
	}
	return ptr(v.Value)
}

// sumContainers totals container usage for a runtime without sandbox stats.
func sumContainers(cs []ContainerStats) (*CPUStats, *MemoryStats) {
	cpu := &CPUStats{Time: metav1.Now(), UsageNanoCores: ptr(uint64(0)), UsageCoreNanoSeconds: ptr(uint64(0))}
	mem := &MemoryStats{Time: metav1.Now(), UsageBytes: ptr(uint64(0)), WorkingSetBytes: ptr(uint64(0)), RSSBytes: ptr(uint64(0))}
	for _, c := range cs {
		if c.CPU != nil {
			add(cpu.UsageNanoCores, c.CPU.UsageNanoCores)
			add(cpu.UsageCoreNanoSeconds, c.CPU.UsageCoreNanoSeconds)
		}
		if c.Memory != nil {
			add(mem.UsageBytes, c.Memory.UsageBytes)
			add(mem.WorkingSetBytes, c.Memory.WorkingSetBytes)
			add(mem.RSSBytes, c.Memory.RSSBytes)
		}
	}
	return cpu, mem
}

func add(sum, v *uint64) {
	if v != nil {
		*sum += *v
	}
}
