package kubelet

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// syncPod brings one pod's runtime state toward its spec and reports its
// status. It returns done once the pod is gone from the API and the
// runtime, and when to sync again at the latest.
func (k *Kubelet) syncPod(ctx context.Context, w *podWorker) (done bool, next time.Duration) {
	pod, gone := k.snapshot(w)
	rp, err := readRuntimePod(ctx, k.rt, w.uid)
	if err != nil {
		k.log.Warn("read runtime state", "pod", podKey(pod), "err", err)
		return false, time.Second
	}
	k.setRuntimePod(w, rp)
	if pod == nil {
		// Only the runtime knows this pod (an orphan after a restart).
		return k.cleanupOrphan(ctx, w, rp)
	}
	if gone || pod.DeletionTimestamp != nil {
		return k.terminate(ctx, w, pod, rp, gone)
	}
	k.fillTermMessages(pod, rp)
	st := k.status(w, pod, rp, false)
	if isTerminal(st.Phase) {
		return false, k.finish(ctx, w, pod, rp, st)
	}
	left, hasDeadline := activeDeadlineLeft(pod, k.clock.Now())
	if hasDeadline && left <= 0 {
		return false, k.deadlineExceeded(ctx, w, pod, rp)
	}
	next, err = k.run(ctx, w, pod, rp)
	if hasDeadline {
		next = min(next, left)
	}
	if err != nil {
		k.log.Info("sync pod", "pod", podKey(pod), "err", err)
	}
	if rp2, err := readRuntimePod(ctx, k.rt, w.uid); err == nil {
		rp = rp2
		k.setRuntimePod(w, rp)
		k.fillTermMessages(pod, rp)
	}
	k.prober.AddPod(pod)
	k.writeStatus(ctx, w, pod, k.status(w, pod, rp, false))
	return false, next
}

// run starts what should run; it returns when to look again.
func (k *Kubelet) run(ctx context.Context, w *podWorker, pod *v1.Pod, rp *runtimePod) (time.Duration, error) {
	if !pod.Spec.HostNetwork && !k.runtimeNetworkReady(ctx) {
		k.recorder.Event(pod, v1.EventTypeWarning, "NetworkNotReady", "network is not ready: container runtime network not ready")
		return time.Second, errors.New("runtime network not ready")
	}
	volPaths, err := k.volumes.Setup(ctx, pod)
	if err != nil {
		k.recorder.Event(pod, v1.EventTypeWarning, "FailedMount", err.Error())
		return 2 * time.Second, err
	}
	pruneStarted(w, rp)
	d := decider{backoffUntil: k.backoffUntil(pod), livenessFailed: k.livenessFailedFor(w), started: func(id string) bool { return w.started[id] }, now: k.clock.Now()}
	a := d.computeActions(pod, rp)
	next := k.cfg.SyncPeriod
	if hasRefreshingVolumes(pod) {
		next = min(next, 10*time.Second)
	}
	if a.killPod {
		k.killPod(ctx, pod, rp, minGrace)
	}
	sandboxID, sbCfg, podIPs, err := k.ensureSandbox(ctx, pod, rp, a)
	if err != nil {
		return 2 * time.Second, err
	}
	if sandboxID == "" {
		return next, nil
	}
	podWithIP := withPodIPs(pod, podIPs, k.node.hostIPs())
	for id, why := range a.kill {
		c := findContainer(pod, why.name)
		k.killContainer(ctx, pod, c, id, gracePeriod(pod), why.message)
		k.clearLiveness(w, id)
	}
	if a.startInit != nil {
		k.startContainer(ctx, w, podWithIP, a.startInit, containerTypeInit, rp, sandboxID, sbCfg, volPaths)
	}
	for _, c := range a.start {
		k.startContainer(ctx, w, podWithIP, c, containerTypeApp, rp, sandboxID, sbCfg, volPaths)
	}
	for name, until := range a.backoff {
		k.crashLoop(w, pod, name, until)
		next = min(next, until.Sub(k.clock.Now())+10*time.Millisecond)
	}
	for name := range w.waiting {
		if w.waiting[name].reason == reasonImagePullBackOff || w.waiting[name].reason == reasonErrImagePull || w.waiting[name].reason == reasonConfigError {
			next = min(next, 2*time.Second)
		}
	}
	return next, nil
}

// ensureSandbox returns the ready sandbox, creating it when planned.
func (k *Kubelet) ensureSandbox(ctx context.Context, pod *v1.Pod, rp *runtimePod, a podActions) (string, *runtimeapi.PodSandboxConfig, []string, error) {
	if !a.createSandbox {
		sb := rp.sandbox()
		if sb == nil || sb.State != runtimeapi.PodSandboxState_SANDBOX_READY {
			return "", nil, nil, nil
		}
		cfg, err := k.sandboxConfig(pod, sb.Metadata.Attempt)
		return sb.Id, cfg, sandboxIPs(sb), err
	}
	if sb := rp.sandbox(); sb != nil {
		k.recorder.Event(pod, v1.EventTypeNormal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
	}
	cfg, err := k.sandboxConfig(pod, a.attempt)
	if err != nil {
		return "", nil, nil, err
	}
	id, err := k.rt.RunPodSandbox(ctx, cfg, "")
	if err != nil {
		k.recorder.Eventf(pod, v1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		return "", nil, nil, err
	}
	st, err := k.rt.PodSandboxStatus(ctx, id, false)
	if err != nil {
		return "", nil, nil, err
	}
	return id, cfg, sandboxIPs(st.Status), nil
}

func sandboxIPs(sb *runtimeapi.PodSandboxStatus) []string {
	if sb == nil || sb.Network == nil || sb.Network.Ip == "" {
		return nil
	}
	ips := []string{sb.Network.Ip}
	for _, ip := range sb.Network.AdditionalIps {
		ips = append(ips, ip.Ip)
	}
	return ips
}

// withPodIPs is the pod as its containers' environment and hosts file see
// it: with the IPs the sandbox just got.
func withPodIPs(pod *v1.Pod, podIPs, hostIPs []string) *v1.Pod {
	p := pod.DeepCopy()
	if pod.Spec.HostNetwork {
		podIPs = hostIPs
	}
	p.Status.PodIPs = nil
	for _, ip := range podIPs {
		p.Status.PodIPs = append(p.Status.PodIPs, v1.PodIP{IP: ip})
	}
	if len(podIPs) > 0 {
		p.Status.PodIP = podIPs[0]
	}
	p.Status.HostIPs = nil
	for _, ip := range hostIPs {
		p.Status.HostIPs = append(p.Status.HostIPs, v1.HostIP{IP: ip})
	}
	if len(hostIPs) > 0 {
		p.Status.HostIP = hostIPs[0]
	}
	return p
}

// finish stops what is left of a pod that reached a terminal phase: its
// containers stay (for logs) until the pod is deleted.
func (k *Kubelet) finish(ctx context.Context, w *podWorker, pod *v1.Pod, rp *runtimePod, st v1.PodStatus) time.Duration {
	for _, sb := range rp.sandboxes {
		if sb.State == runtimeapi.PodSandboxState_SANDBOX_READY {
			k.killPod(ctx, pod, rp, gracePeriod(pod))
			break
		}
	}
	k.prober.RemovePod(pod.UID)
	k.writeStatus(ctx, w, pod, st)
	return k.cfg.SyncPeriod
}

// activeDeadlineLeft is how long the pod may still run under
// spec.activeDeadlineSeconds, counted from its start time.
func activeDeadlineLeft(pod *v1.Pod, now time.Time) (time.Duration, bool) {
	d := pod.Spec.ActiveDeadlineSeconds
	if d == nil || pod.Status.StartTime == nil {
		return 0, false
	}
	return pod.Status.StartTime.Add(time.Duration(*d) * time.Second).Sub(now), true
}

// deadlineExceeded kills a pod that ran past its active deadline and
// fails it with upstream's reason and message.
func (k *Kubelet) deadlineExceeded(ctx context.Context, w *podWorker, pod *v1.Pod, rp *runtimePod) time.Duration {
	const msg = "Pod was active on the node longer than the specified deadline"
	k.recorder.Event(pod, v1.EventTypeNormal, "DeadlineExceeded", msg)
	k.prober.RemovePod(pod.UID)
	k.killPod(ctx, pod, rp, gracePeriod(pod))
	if rp2, err := readRuntimePod(ctx, k.rt, w.uid); err == nil {
		rp = rp2
	}
	st := k.status(w, pod, rp, true)
	st.Phase, st.Reason, st.Message = v1.PodFailed, "DeadlineExceeded", msg
	k.writeStatus(ctx, w, pod, st)
	return k.cfg.SyncPeriod
}

func (k *Kubelet) crashLoop(w *podWorker, pod *v1.Pod, name string, until time.Time) {
	delay := k.backoff.delay(backoffKey(pod, name))
	msg := fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, name, pod.Name, pod.Namespace, pod.UID)
	if w.waiting[name].reason != reasonCrashLoop {
		k.recorder.Eventf(containerRef(pod, name), v1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)", name, pod.Name, pod.Namespace, pod.UID)
	}
	w.waiting[name] = waiting{reasonCrashLoop, msg}
}

func (k *Kubelet) backoffUntil(pod *v1.Pod) func(string, *runtimeapi.ContainerStatus) time.Time {
	return func(name string, last *runtimeapi.ContainerStatus) time.Time {
		return k.backoff.until(backoffKey(pod, name), time.Unix(0, last.FinishedAt))
	}
}

func backoffKey(pod *v1.Pod, name string) string { return string(pod.UID) + "/" + name }

func (k *Kubelet) clearLiveness(w *podWorker, id string) {
	k.mu.Lock()
	delete(w.liveness, id)
	k.mu.Unlock()
}

func findContainer(pod *v1.Pod, name string) *v1.Container {
	for _, c := range allContainers(pod) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func hasRefreshingVolumes(pod *v1.Pod) bool {
	for _, v := range pod.Spec.Volumes {
		if v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil {
			return true
		}
	}
	return false
}

func podKey(pod *v1.Pod) string {
	if pod == nil {
		return ""
	}
	return pod.Namespace + "/" + pod.Name
}

// status computes the pod's status from its runtime state.
func (k *Kubelet) status(w *podWorker, pod *v1.Pod, rp *runtimePod, terminating bool) v1.PodStatus {
	return podStatus(statusInput{
		pod: pod, rp: rp, runtimeName: k.runtimeName, hostIPs: k.node.hostIPs(),
		ready:       func(id string) bool { return k.prober.Ready(pod.UID, id) },
		started:     func(id string) bool { return k.prober.Started(pod.UID, id) },
		waiting:     w.waiting,
		terminating: terminating,
		now:         k.clock.Now(),
	})
}
