package framework

import (
	v1 "k8s.io/api/core/v1"
)

// PodRequests computes what a pod reserves on a node, as upstream does:
//
//   - regular containers run together, so their requests add up;
//   - restartable init containers (sidecars, restartPolicy Always) keep
//     running beside everything started after them, so they add to the sum
//     and to every later init container;
//   - classic init containers run one at a time, so only the largest counts,
//     and the pod needs max(sum of running containers, largest init phase);
//   - pod overhead (RuntimeClass) is added on top.
//
// nonZero substitutes DefaultMilliCPURequest/DefaultMemoryRequest for a
// container that names no cpu/memory request; scoring uses that form so
// best-effort pods are not free.
func PodRequests(pod *v1.Pod, nonZero bool) *Resource {
	reqs := &Resource{}
	for i := range pod.Spec.Containers {
		reqs.AddResource(containerRequests(&pod.Spec.Containers[i], nonZero))
	}
	sidecars := &Resource{}
	initPeak := &Resource{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cr := containerRequests(c, nonZero)
		if isSidecar(c) {
			reqs.AddResource(cr)
			sidecars.AddResource(cr)
			initPeak.SetMax(sidecars)
			continue
		}
		phase := cr.Clone()
		phase.AddResource(sidecars)
		initPeak.SetMax(phase)
	}
	reqs.SetMax(initPeak)
	if pod.Spec.Overhead != nil {
		reqs.Add(pod.Spec.Overhead)
	}
	return reqs
}

func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}

func containerRequests(c *v1.Container, nonZero bool) *Resource {
	r := NewResource(c.Resources.Requests)
	r.AllowedPodNumber = 0
	if !nonZero {
		return r
	}
	// Only a missing key is defaulted; an explicit 0 is respected (upstream).
	if _, ok := c.Resources.Requests[v1.ResourceCPU]; !ok {
		r.MilliCPU = DefaultMilliCPURequest
	}
	if _, ok := c.Resources.Requests[v1.ResourceMemory]; !ok {
		r.Memory = DefaultMemoryRequest
	}
	return r
}
