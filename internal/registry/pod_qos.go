package registry

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Quality-of-service class of a pod, computed as upstream's ComputePodQOS:
// only cpu and memory count; pod-level resources, when set, decide alone.

// podQOS returns Guaranteed, Burstable or BestEffort for pod.
func podQOS(pod *corev1.Pod) corev1.PodQOSClass {
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	guaranteed := true
	if r := pod.Spec.Resources; r != nil {
		addQOSResources(requests, r.Requests)
		guaranteed = addQOSResources(limits, r.Limits)
	} else {
		for _, cs := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
			for _, c := range cs {
				addQOSResources(requests, c.Resources.Requests)
				if !addQOSResources(limits, c.Resources.Limits) {
					guaranteed = false
				}
			}
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed && len(requests) == len(limits) && requestsEqualLimits(requests, limits) {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// addQOSResources sums the positive cpu and memory quantities of rl into
// sum, and reports whether rl has both.
func addQOSResources(sum, rl corev1.ResourceList) bool {
	found := 0
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		q, ok := rl[name]
		if !ok || q.Cmp(resource.Quantity{}) <= 0 {
			continue
		}
		found++
		total := q.DeepCopy()
		if prev, ok := sum[name]; ok {
			total.Add(prev)
		}
		sum[name] = total
	}
	return found == 2
}

func requestsEqualLimits(requests, limits corev1.ResourceList) bool {
	for name, req := range requests {
		if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
			return false
		}
	}
	return true
}
