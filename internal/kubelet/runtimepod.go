package kubelet

import (
	"context"
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/kubelet/cri"
)

// runtimePod is what the runtime holds for one pod: its sandboxes (newest
// first) and its containers' full statuses (newest first per name).
type runtimePod struct {
	sandboxes  []*runtimeapi.PodSandboxStatus
	containers map[string][]*runtimeapi.ContainerStatus
}

// sandbox is the newest sandbox, or nil.
func (rp *runtimePod) sandbox() *runtimeapi.PodSandboxStatus {
	if len(rp.sandboxes) == 0 {
		return nil
	}
	return rp.sandboxes[0]
}

// latest is the newest instance of a container, or nil.
func (rp *runtimePod) latest(name string) *runtimeapi.ContainerStatus {
	if cs := rp.containers[name]; len(cs) > 0 {
		return cs[0]
	}
	return nil
}

// previous is the instance before the newest, or nil.
func (rp *runtimePod) previous(name string) *runtimeapi.ContainerStatus {
	if cs := rp.containers[name]; len(cs) > 1 {
		return cs[1]
	}
	return nil
}

// byID finds a container instance by ID, or nil.
func (rp *runtimePod) byID(id string) *runtimeapi.ContainerStatus {
	for _, list := range rp.containers {
		for _, cs := range list {
			if cs.Id == id {
				return cs
			}
		}
	}
	return nil
}

// empty reports whether nothing of the pod is left in the runtime.
func (rp *runtimePod) empty() bool {
	return len(rp.sandboxes) == 0 && len(rp.containers) == 0
}

// readRuntimePod asks the runtime for everything that belongs to a pod.
func readRuntimePod(ctx context.Context, rt cri.Runtime, uid types.UID) (*runtimePod, error) {
	sel := map[string]string{labelPodUID: string(uid)}
	sbs, err := rt.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	rp := &runtimePod{containers: map[string][]*runtimeapi.ContainerStatus{}}
	for _, sb := range sbs {
		st, err := rt.PodSandboxStatus(ctx, sb.Id, false)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, err
		}
		rp.sandboxes = append(rp.sandboxes, st.Status)
	}
	sort.Slice(rp.sandboxes, func(i, j int) bool {
		return rp.sandboxes[i].CreatedAt > rp.sandboxes[j].CreatedAt
	})
	cs, err := rt.ListContainers(ctx, &runtimeapi.ContainerFilter{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		st, err := rt.ContainerStatus(ctx, c.Id, false)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, err
		}
		s := st.Status
		if s.Labels == nil {
			s.Labels = c.Labels
		}
		if s.Annotations == nil {
			s.Annotations = c.Annotations
		}
		name := s.GetMetadata().GetName()
		rp.containers[name] = append(rp.containers[name], s)
	}
	for _, list := range rp.containers {
		sort.Slice(list, func(i, j int) bool {
			if list[i].Metadata.Attempt != list[j].Metadata.Attempt {
				return list[i].Metadata.Attempt > list[j].Metadata.Attempt
			}
			return list[i].CreatedAt > list[j].CreatedAt
		})
	}
	return rp, nil
}

// restartCount is the restart count recorded on a container when it was
// created (the CRI attempt number).
func restartCount(cs *runtimeapi.ContainerStatus) int32 {
	if cs == nil {
		return 0
	}
	if v, ok := cs.Annotations[annotationRestartCount]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			return int32(n)
		}
	}
	return int32(cs.GetMetadata().GetAttempt())
}
