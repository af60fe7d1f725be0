package kubelet

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// minGrace is upstream's floor for a stop's grace period, in seconds.
const minGrace = 2

// killContainer runs the preStop hook within the grace period, then asks
// the runtime to stop the container with what is left of it.
func (k *Kubelet) killContainer(ctx context.Context, pod *v1.Pod, c *v1.Container, id string, grace int64, reason string) {
	name := ""
	if c != nil {
		name = c.Name
		msg := "Stopping container " + name
		// Upstream: "Container web definition changed, will be restarted",
		// "Container web failed liveness probe, will be restarted".
		if reason != "" && reason != "FailedPostStartHook" {
			msg = "Container " + name + " " + reason + ", will be restarted"
		}
		k.recorder.Event(containerRef(pod, name), v1.EventTypeNormal, "Killing", msg)
	}
	start := k.clock.Now()
	if c != nil && c.Lifecycle != nil && c.Lifecycle.PreStop != nil && grace > 0 {
		k.runPreStop(ctx, pod, c, id, time.Duration(grace)*time.Second)
	}
	left := grace - int64(k.clock.Since(start)/time.Second)
	if left < minGrace {
		left = minGrace
	}
	if err := k.rt.StopContainer(ctx, id, left); err != nil && !isNotFound(err) {
		k.log.Warn("stop container", "pod", podKey(pod), "container", name, "err", err)
	}
}

// runPreStop runs the hook but gives up when the grace period ends.
func (k *Kubelet) runPreStop(ctx context.Context, pod *v1.Pod, c *v1.Container, id string, budget time.Duration) {
	hctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if msg, err := k.runHook(hctx, pod, c, id, c.Lifecycle.PreStop); err != nil {
			k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeWarning, "FailedPreStopHook", "PreStopHook failed: %s", msg)
		}
	}()
	select {
	case <-done:
	case <-hctx.Done():
	}
}

// killPod stops every running container (in parallel) and every sandbox.
func (k *Kubelet) killPod(ctx context.Context, pod *v1.Pod, rp *runtimePod, grace int64) {
	var wg sync.WaitGroup
	for name, list := range rp.containers {
		for _, cs := range list {
			if cs.State != runtimeapi.ContainerState_CONTAINER_RUNNING && cs.State != runtimeapi.ContainerState_CONTAINER_CREATED {
				continue
			}
			wg.Add(1)
			go func(name, id string) {
				defer wg.Done()
				k.killContainer(ctx, pod, findContainer(pod, name), id, grace, "")
			}(name, cs.Id)
		}
	}
	wg.Wait()
	for _, sb := range rp.sandboxes {
		if sb.State == runtimeapi.PodSandboxState_SANDBOX_READY {
			if err := k.rt.StopPodSandbox(ctx, sb.Id); err != nil && !isNotFound(err) {
				k.log.Warn("stop sandbox", "pod", podKey(pod), "err", err)
			}
		}
	}
}

// terminate kills a pod being deleted, reports it stopped, releases what it
// held, and then removes the pod object (upstream's final delete with a
// zero grace period and the pod's UID as precondition).
func (k *Kubelet) terminate(ctx context.Context, w *podWorker, pod *v1.Pod, rp *runtimePod, gone bool) (bool, time.Duration) {
	grace := gracePeriod(pod)
	if gone && pod.DeletionGracePeriodSeconds == nil {
		grace = minGrace
	}
	k.prober.RemovePod(pod.UID)
	k.killPod(ctx, pod, rp, grace)
	if !gone {
		if rp2, err := readRuntimePod(ctx, k.rt, w.uid); err == nil {
			k.fillTermMessages(pod, rp2)
			k.writeStatus(ctx, w, pod, k.status(w, pod, rp2, true))
		}
	}
	if err := k.cleanup(ctx, pod.UID); err != nil {
		k.log.Warn("clean up pod", "pod", podKey(pod), "err", err)
		return false, 2 * time.Second
	}
	if gone {
		return true, 0
	}
	if !w.deleting {
		zero := int64(0)
		err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID},
		})
		if err != nil && !isAPINotFound(err) {
			k.log.Warn("delete pod", "pod", podKey(pod), "err", err)
			return false, time.Second
		}
		w.deleting = true
	}
	// The informer's delete event ends the worker; look again in case a
	// finalizer keeps the object.
	return false, 5 * time.Second
}

// cleanup removes everything of a pod from the runtime and the host.
func (k *Kubelet) cleanup(ctx context.Context, uid types.UID) error {
	rp, err := readRuntimePod(ctx, k.rt, uid)
	if err != nil {
		return err
	}
	for _, list := range rp.containers {
		for _, cs := range list {
			if err := k.rt.RemoveContainer(ctx, cs.Id); err != nil && !isNotFound(err) {
				return err
			}
		}
	}
	for _, sb := range rp.sandboxes {
		if err := k.rt.StopPodSandbox(ctx, sb.Id); err != nil && !isNotFound(err) {
			return err
		}
		if err := k.rt.RemovePodSandbox(ctx, sb.Id); err != nil && !isNotFound(err) {
			return err
		}
	}
	if err := k.volumes.Teardown(uid); err != nil {
		return err
	}
	k.backoff.forget(string(uid) + "/")
	k.backoff.forget("pull/" + string(uid) + "/")
	if k.cfg.NoFiles {
		return nil
	}
	if len(rp.sandboxes) > 0 {
		if m := rp.sandboxes[0].Metadata; m != nil {
			os.RemoveAll(filepath.Join(k.cfg.LogDir, m.Namespace+"_"+m.Name+"_"+m.Uid))
		}
	}
	os.RemoveAll(k.podDir(uid))
	removePodCgroups(k.cfg.CgroupRoot, uid)
	return nil
}

// cleanupOrphan removes runtime state of a pod the API never told this
// kubelet about (it was deleted while the kubelet was down).
func (k *Kubelet) cleanupOrphan(ctx context.Context, w *podWorker, rp *runtimePod) (bool, time.Duration) {
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{UID: w.uid}}
	if sb := rp.sandbox(); sb != nil && sb.Metadata != nil {
		pod.Name, pod.Namespace = sb.Metadata.Name, sb.Metadata.Namespace
		if p, err := k.pods.Pods(pod.Namespace).Get(pod.Name); err == nil && p.UID == w.uid {
			// The API has it after all: a normal sync follows its event.
			k.podChanged(p)
			return false, time.Second
		}
	}
	k.killPod(ctx, pod, rp, minGrace)
	if err := k.cleanup(ctx, w.uid); err != nil {
		return false, 2 * time.Second
	}
	k.mu.Lock()
	w.gone = true
	k.mu.Unlock()
	return true, 0
}

func (k *Kubelet) podDir(uid types.UID) string {
	return filepath.Join(k.cfg.RootDir, "pods", string(uid))
}
