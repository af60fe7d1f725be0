package fieldpath

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ExtractResource returns a container's resource limit or request for a
// resourceFieldRef, divided by the divisor and rounded up, as upstream's
// kubelet does. ref.ContainerName, when set, picks the container from the
// pod (downwardAPI volumes always name it; env vars may leave it empty and
// mean the container itself). Unset cpu, memory and ephemeral-storage
// limits read as the node's allocatable amount: what the container may use.
func ExtractResource(pod *v1.Pod, container *v1.Container, ref *v1.ResourceFieldSelector, nodeAllocatable v1.ResourceList) (string, error) {
	if ref.ContainerName != "" {
		container = findContainer(pod, ref.ContainerName)
		if container == nil {
			return "", fmt.Errorf("container %s not found", ref.ContainerName)
		}
	}
	if container == nil {
		return "", fmt.Errorf("resourceFieldRef %q names no container", ref.Resource)
	}
	limits := withDefaultLimits(container.Resources.Limits, nodeAllocatable)
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok {
		return "", fmt.Errorf("unsupported container resource : %v", ref.Resource)
	}
	var list v1.ResourceList
	switch kind {
	case "limits":
		list = limits
	case "requests":
		list = container.Resources.Requests
	default:
		return "", fmt.Errorf("unsupported container resource : %v", ref.Resource)
	}
	return divide(v1.ResourceName(name), list, divisor, ref.Resource)
}

// divide formats list[name]/divisor rounded up. CPU divides in millicores
// so "1m" divisors work; everything else in whole units.
func divide(name v1.ResourceName, list v1.ResourceList, divisor resource.Quantity, full string) (string, error) {
	q := list[name]
	switch {
	case name == v1.ResourceCPU:
		return ceilDiv(q.MilliValue(), divisor.MilliValue()), nil
	case name == v1.ResourceMemory, name == v1.ResourceEphemeralStorage,
		strings.HasPrefix(string(name), v1.ResourceHugePagesPrefix):
		return ceilDiv(q.Value(), divisor.Value()), nil
	}
	return "", fmt.Errorf("unsupported container resource : %v", full)
}

func ceilDiv(v, d int64) string {
	if d == 0 {
		d = 1 // a sub-unit divisor (e.g. 1m for memory) rounds to zero
	}
	return strconv.FormatInt(int64(math.Ceil(float64(v)/float64(d))), 10)
}

// withDefaultLimits fills unset (or zero) cpu, memory and ephemeral-storage
// limits from node allocatable. Hugepages are never defaulted: they are
// never overcommitted, so an unset limit means none.
func withDefaultLimits(limits, allocatable v1.ResourceList) v1.ResourceList {
	out := make(v1.ResourceList, len(limits)+3)
	for k, v := range limits {
		out[k] = v
	}
	for _, name := range []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory, v1.ResourceEphemeralStorage} {
		if q, ok := out[name]; ok && !q.IsZero() {
			continue
		}
		if a, ok := allocatable[name]; ok {
			out[name] = a
		}
	}
	return out
}

func findContainer(pod *v1.Pod, name string) *v1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}
