package volume

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Mounts turns a container's volumeMounts into CRI mounts. paths is what
// Setup returned; env is the container's resolved environment, for
// subPathExpr. A subPath that does not exist yet is created, with the mode
// of the volume's root.
func Mounts(pod *v1.Pod, c *v1.Container, paths map[string]string, env map[string]string) ([]*runtimeapi.Mount, error) {
	out := make([]*runtimeapi.Mount, 0, len(c.VolumeMounts))
	for i := range c.VolumeMounts {
		vm := &c.VolumeMounts[i]
		m, err := criMount(pod, c, vm, paths, env)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func criMount(pod *v1.Pod, c *v1.Container, vm *v1.VolumeMount, paths map[string]string, env map[string]string) (*runtimeapi.Mount, error) {
	hostPath, ok := paths[vm.Name]
	if !ok {
		return nil, fmt.Errorf("cannot find volume %q to mount into container %q", vm.Name, c.Name)
	}
	sub, err := subPath(vm, env)
	if err != nil {
		return nil, err
	}
	if sub != "" {
		if hostPath, err = prepareSubPath(hostPath, sub); err != nil {
			return nil, err
		}
	}
	prop, err := propagation(vm.MountPropagation)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.Mount{
		ContainerPath: vm.MountPath,
		HostPath:      hostPath,
		Readonly:      vm.ReadOnly || readOnlyVolume(pod, vm.Name),
		Propagation:   prop,
	}, nil
}

// readOnlyVolume: configMap, secret, downwardAPI and projected volumes are
// always mounted read-only (the kubelet owns their content), as are
// volumes whose source asks for it.
func readOnlyVolume(pod *v1.Pod, name string) bool {
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		if v.Name != name {
			continue
		}
		switch {
		case v.ConfigMap != nil, v.Secret != nil, v.DownwardAPI != nil, v.Projected != nil:
			return true
		case v.PersistentVolumeClaim != nil:
			return v.PersistentVolumeClaim.ReadOnly
		}
	}
	return false
}

// propagation maps a volumeMount's mountPropagation onto CRI's; unset and
// None are private.
func propagation(p *v1.MountPropagationMode) (runtimeapi.MountPropagation, error) {
	if p == nil {
		return runtimeapi.MountPropagation_PROPAGATION_PRIVATE, nil
	}
	switch *p {
	case v1.MountPropagationNone:
		return runtimeapi.MountPropagation_PROPAGATION_PRIVATE, nil
	case v1.MountPropagationHostToContainer:
		return runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER, nil
	case v1.MountPropagationBidirectional:
		return runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL, nil
	}
	return 0, fmt.Errorf("invalid MountPropagation mode: %q", *p)
}
