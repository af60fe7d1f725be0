package kubelet

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Waiting reasons with upstream's names.
const (
	reasonCrashLoop        = "CrashLoopBackOff"
	reasonErrImagePull     = "ErrImagePull"
	reasonImagePullBackOff = "ImagePullBackOff"
	reasonNeverPull        = "ErrImageNeverPull"
	reasonInvalidImage     = "InvalidImageName"
	reasonConfigError      = "CreateContainerConfigError"
	reasonCreateError      = "CreateContainerError"
	reasonStartError       = "RunContainerError"
)

// startContainer pulls, creates and starts one container, recording why it
// could not in the container's waiting state.
func (k *Kubelet) startContainer(ctx context.Context, w *podWorker, pod *v1.Pod, c *v1.Container, typ string, rp *runtimePod, sandboxID string, sbCfg *runtimeapi.PodSandboxConfig, volPaths map[string]string) {
	ref, err := k.ensureImage(ctx, w, pod, c)
	if err != nil {
		return
	}
	var attempt uint32
	last := rp.latest(c.Name)
	if last != nil {
		attempt = last.Metadata.Attempt + 1
	}
	cfg, err := k.containerConfig(ctx, pod, c, typ, attempt, ref, volPaths)
	if err != nil {
		k.failStart(w, pod, c, reasonConfigError, err)
		return
	}
	id, err := k.rt.CreateContainer(ctx, sandboxID, cfg, sbCfg)
	if err != nil {
		k.failStart(w, pod, c, reasonCreateError, err)
		return
	}
	k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeNormal, "Created", "Created container: %s", c.Name)
	if err := k.rt.StartContainer(ctx, id); err != nil {
		k.failStart(w, pod, c, reasonStartError, err)
		return
	}
	delete(w.waiting, c.Name)
	w.started[id] = true
	k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeNormal, "Started", "Started container %s", c.Name)
	if last != nil {
		k.backoff.next(backoffKey(pod, c.Name), timeOf(last.FinishedAt, k.clock.Now()))
		k.removeOlder(ctx, rp, c.Name)
	}
	if c.Lifecycle != nil && c.Lifecycle.PostStart != nil {
		if msg, err := k.runHook(ctx, pod, c, id, c.Lifecycle.PostStart); err != nil {
			k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeWarning, "FailedPostStartHook", "PostStartHook failed: %s", msg)
			k.killContainer(ctx, pod, c, id, gracePeriod(pod), "FailedPostStartHook")
		}
	}
}

func (k *Kubelet) failStart(w *podWorker, pod *v1.Pod, c *v1.Container, reason string, err error) {
	msg := err.Error()
	w.waiting[c.Name] = waiting{reason, msg}
	k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeWarning, "Failed", "Error: %s", msg)
}

// removeOlder keeps only the newest dead instance of a container (for
// `logs --previous` and lastState) besides the one just started.
func (k *Kubelet) removeOlder(ctx context.Context, rp *runtimePod, name string) {
	list := rp.containers[name]
	for i := 1; i < len(list); i++ {
		if list[i].State != runtimeapi.ContainerState_CONTAINER_RUNNING {
			_ = k.rt.RemoveContainer(ctx, list[i].Id)
		}
	}
}

func containerRef(pod *v1.Pod, name string) *v1.ObjectReference {
	path := fmt.Sprintf("spec.containers{%s}", name)
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			path = fmt.Sprintf("spec.initContainers{%s}", name)
		}
	}
	return &v1.ObjectReference{
		Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
		ResourceVersion: pod.ResourceVersion, FieldPath: path,
	}
}
