package kubelet

import (
	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const (
	minShares     = 2
	sharesPerCPU  = 1024
	quotaPeriod   = 100000 // 100 ms, in µs
	minQuota      = 1000
	guaranteedOOM = -997
	besteffortOOM = 1000
)

// linuxContainerConfig maps resources and the security context to CRI.
func (k *Kubelet) linuxContainerConfig(pod *v1.Pod, c *v1.Container) (*runtimeapi.LinuxContainerConfig, error) {
	sc, err := securityContext(pod, c)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.LinuxContainerConfig{
		Resources:       k.resources(pod, c),
		SecurityContext: sc,
	}, nil
}

func (k *Kubelet) resources(pod *v1.Pod, c *v1.Container) *runtimeapi.LinuxContainerResources {
	r := &runtimeapi.LinuxContainerResources{CpuShares: minShares, OomScoreAdj: k.oomScoreAdj(pod, c)}
	if q, ok := c.Resources.Requests[v1.ResourceCPU]; ok {
		r.CpuShares = max(q.MilliValue()*sharesPerCPU/1000, minShares)
	} else if q, ok := c.Resources.Limits[v1.ResourceCPU]; ok {
		r.CpuShares = max(q.MilliValue()*sharesPerCPU/1000, minShares)
	}
	if q, ok := c.Resources.Limits[v1.ResourceCPU]; ok {
		r.CpuPeriod = quotaPeriod
		r.CpuQuota = max(q.MilliValue()*quotaPeriod/1000, minQuota)
	}
	if q, ok := c.Resources.Limits[v1.ResourceMemory]; ok {
		r.MemoryLimitInBytes = q.Value()
	}
	return r
}

// oomScoreAdj follows upstream's QoS policy: guaranteed pods are killed
// last, best-effort first, burstable in between by their memory request.
func (k *Kubelet) oomScoreAdj(pod *v1.Pod, c *v1.Container) int64 {
	switch qosClass(pod) {
	case v1.PodQOSGuaranteed:
		return guaranteedOOM
	case v1.PodQOSBestEffort:
		return besteffortOOM
	}
	capacity := k.memoryCapacity()
	req := c.Resources.Requests.Memory().Value()
	if capacity <= 0 {
		return 999
	}
	adj := 1000 - (1000*req)/capacity
	return min(max(adj, 2), 999)
}

func qosClass(pod *v1.Pod) v1.PodQOSClass {
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass
	}
	return v1.PodQOSBurstable
}

func securityContext(pod *v1.Pod, c *v1.Container) (*runtimeapi.LinuxContainerSecurityContext, error) {
	out := &runtimeapi.LinuxContainerSecurityContext{NamespaceOptions: namespaceOptions(pod)}
	if psc := pod.Spec.SecurityContext; psc != nil {
		if psc.RunAsUser != nil {
			out.RunAsUser = &runtimeapi.Int64Value{Value: *psc.RunAsUser}
		}
		if psc.RunAsGroup != nil {
			out.RunAsGroup = &runtimeapi.Int64Value{Value: *psc.RunAsGroup}
		}
		out.SupplementalGroups = append(out.SupplementalGroups, psc.SupplementalGroups...)
		if psc.FSGroup != nil {
			out.SupplementalGroups = append(out.SupplementalGroups, *psc.FSGroup)
		}
	}
	csc := c.SecurityContext
	if csc != nil {
		if csc.RunAsUser != nil {
			out.RunAsUser = &runtimeapi.Int64Value{Value: *csc.RunAsUser}
		}
		if csc.RunAsGroup != nil {
			out.RunAsGroup = &runtimeapi.Int64Value{Value: *csc.RunAsGroup}
		}
		out.ReadonlyRootfs = csc.ReadOnlyRootFilesystem != nil && *csc.ReadOnlyRootFilesystem
		out.Privileged = csc.Privileged != nil && *csc.Privileged
		out.NoNewPrivs = csc.AllowPrivilegeEscalation != nil && !*csc.AllowPrivilegeEscalation
		if caps := csc.Capabilities; caps != nil {
			out.Capabilities = &runtimeapi.Capability{}
			for _, a := range caps.Add {
				out.Capabilities.AddCapabilities = append(out.Capabilities.AddCapabilities, string(a))
			}
			for _, d := range caps.Drop {
				out.Capabilities.DropCapabilities = append(out.Capabilities.DropCapabilities, string(d))
			}
		}
	}
	if runAsNonRoot(pod, c) && out.RunAsUser != nil && out.RunAsUser.Value == 0 {
		return nil, configErrorf("container's runAsUser breaks non-root policy (pod: %q, container: %s)", pod.Namespace+"/"+pod.Name, c.Name)
	}
	return out, nil
}

func runAsNonRoot(pod *v1.Pod, c *v1.Container) bool {
	if c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil {
		return *c.SecurityContext.RunAsNonRoot
	}
	return pod.Spec.SecurityContext != nil && pod.Spec.SecurityContext.RunAsNonRoot != nil && *pod.Spec.SecurityContext.RunAsNonRoot
}

func namespaceOptions(pod *v1.Pod) *runtimeapi.NamespaceOption {
	ns := &runtimeapi.NamespaceOption{
		Network: runtimeapi.NamespaceMode_POD,
		Pid:     runtimeapi.NamespaceMode_CONTAINER,
		Ipc:     runtimeapi.NamespaceMode_POD,
	}
	if pod.Spec.HostNetwork {
		ns.Network = runtimeapi.NamespaceMode_NODE
	}
	if pod.Spec.HostIPC {
		ns.Ipc = runtimeapi.NamespaceMode_NODE
	}
	switch {
	case pod.Spec.HostPID:
		ns.Pid = runtimeapi.NamespaceMode_NODE
	case pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace:
		ns.Pid = runtimeapi.NamespaceMode_POD
	}
	return ns
}
