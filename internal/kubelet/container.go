package kubelet

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/kubelet/expansion"
	"orca/internal/kubelet/volume"
)

// containerConfig builds the CRI request that creates one container.
func (k *Kubelet) containerConfig(ctx context.Context, pod *v1.Pod, c *v1.Container, typ string, attempt uint32, imageRef string, volPaths map[string]string) (*runtimeapi.ContainerConfig, error) {
	env, err := k.envVars(ctx, pod, c)
	if err != nil {
		return nil, err
	}
	envMap := make(map[string]string, len(env))
	cfg := &runtimeapi.ContainerConfig{
		Metadata:   &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: attempt},
		Image:      &runtimeapi.ImageSpec{Image: imageRef, UserSpecifiedImage: c.Image},
		WorkingDir: c.WorkingDir,
		LogPath:    filepath.Join(c.Name, strconv.Itoa(int(attempt))+".log"),
		Stdin:      c.Stdin,
		StdinOnce:  c.StdinOnce,
		Tty:        c.TTY,
		Labels: map[string]string{
			labelPodName: pod.Name, labelPodNamespace: pod.Namespace, labelPodUID: string(pod.UID),
			labelContainerName: c.Name, labelContainerType: typ,
		},
		Annotations: map[string]string{
			annotationRestartCount:    strconv.Itoa(int(attempt)),
			annotationHash:            containerHash(c),
			annotationTermMessagePath: c.TerminationMessagePath,
			annotationTermMessagePol:  string(c.TerminationMessagePolicy),
			annotationTermGrace:       strconv.FormatInt(gracePeriod(pod), 10),
		},
	}
	for _, e := range env {
		cfg.Envs = append(cfg.Envs, &runtimeapi.KeyValue{Key: e.name, Value: []byte(e.value)})
		envMap[e.name] = e.value
	}
	lookup := func(n string) (string, bool) { v, ok := envMap[n]; return v, ok }
	for _, s := range c.Command {
		cfg.Command = append(cfg.Command, expansion.Expand(s, lookup))
	}
	for _, s := range c.Args {
		cfg.Args = append(cfg.Args, expansion.Expand(s, lookup))
	}
	// The simulated runtime reads its script from the pod's annotations.
	for key, v := range pod.Annotations {
		if len(key) > len(simPrefix) && key[:len(simPrefix)] == simPrefix {
			cfg.Annotations[key] = v
		}
	}
	mounts, err := volume.Mounts(pod, c, volPaths, envMap)
	if err != nil {
		return nil, configErrorf("%v", err)
	}
	extra, err := k.podFileMounts(pod, c, attempt)
	if err != nil {
		return nil, err
	}
	cfg.Mounts = append(mounts, extra...)
	linux, err := k.linuxContainerConfig(pod, c)
	if err != nil {
		return nil, err
	}
	cfg.Linux = linux
	return cfg, nil
}

const simPrefix = "sim.orca.dev/"

// podFileMounts are the files the kubelet itself provides: /etc/hosts (with
// the pod's own name and IP) and the termination message file.
func (k *Kubelet) podFileMounts(pod *v1.Pod, c *v1.Container, attempt uint32) ([]*runtimeapi.Mount, error) {
	if k.cfg.NoFiles {
		return nil, nil
	}
	var out []*runtimeapi.Mount
	if hosts, ok := k.hostsFile(pod); ok {
		out = append(out, &runtimeapi.Mount{ContainerPath: "/etc/hosts", HostPath: hosts})
	}
	if p := c.TerminationMessagePath; p != "" {
		dir := filepath.Join(k.podDir(pod.UID), "containers", c.Name)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		f := filepath.Join(dir, fmt.Sprintf("termination-%d", attempt))
		if err := os.WriteFile(f, nil, 0o666); err != nil {
			return nil, err
		}
		os.Chmod(f, 0o666) // writable by any user the container runs as
		out = append(out, &runtimeapi.Mount{ContainerPath: p, HostPath: f})
	}
	return out, nil
}

// containerHash identifies the mutable part of a container spec.
func containerHash(c *v1.Container) string {
	h := fnv.New32a()
	h.Write([]byte(c.Image))
	return strconv.FormatUint(uint64(h.Sum32()), 16)
}

// gracePeriod is the pod's termination grace period in seconds.
func gracePeriod(pod *v1.Pod) int64 {
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return v1.DefaultTerminationGracePeriodSeconds
}
