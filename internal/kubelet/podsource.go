package kubelet

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// GetPod finds one of this node's pods (for the kubelet's HTTPS server).
func (k *Kubelet) GetPod(namespace, name string) (*v1.Pod, bool) {
	if k.pods == nil {
		return nil, false
	}
	p, err := k.pods.Pods(namespace).Get(name)
	return p, err == nil
}

// Pods lists this node's pods.
func (k *Kubelet) Pods() []*v1.Pod {
	if k.pods == nil {
		return nil
	}
	ps, _ := k.pods.List(labels.Everything())
	return ps
}

// ContainerID finds the runtime container behind a pod's container: the
// current instance, or the one before it (logs --previous). Errors use
// upstream's wording, which kubectl shows as they are.
func (k *Kubelet) ContainerID(pod *v1.Pod, container string, previous bool) (string, error) {
	rp, err := readRuntimePod(context.Background(), k.rt, pod.UID)
	if err != nil {
		return "", err
	}
	if previous {
		if cs := rp.previous(container); cs != nil {
			return cs.Id, nil
		}
		if cs := rp.latest(container); cs != nil && cs.State == runtimeapi.ContainerState_CONTAINER_EXITED && k.isWaiting(pod, container) {
			return cs.Id, nil
		}
		return "", fmt.Errorf("previous terminated container %q in pod %q not found", container, pod.Name)
	}
	cs := rp.latest(container)
	if cs == nil || cs.State == runtimeapi.ContainerState_CONTAINER_CREATED {
		reason := "ContainerCreating"
		for _, s := range append(append([]v1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
			if s.Name == container && s.State.Waiting != nil && s.State.Waiting.Reason != "" {
				reason = s.State.Waiting.Reason
			}
		}
		return "", fmt.Errorf("container %q in pod %q is waiting to start: %s", container, pod.Name, reason)
	}
	return cs.Id, nil
}

// isWaiting reports whether the API shows the container held back (in a
// crash loop), in which case its latest runtime instance is the previous one.
func (k *Kubelet) isWaiting(pod *v1.Pod, container string) bool {
	for _, s := range pod.Status.ContainerStatuses {
		if s.Name == container && s.State.Waiting != nil {
			return true
		}
	}
	return false
}
