package framework

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestPodRequests(t *testing.T) {
	const mi = 1024 * 1024
	tests := []struct {
		name          string
		pod           *v1.Pod
		want, nonZero Resource
	}{
		{"empty pod: zero, non-zero gets defaults", pod("p", ctr(nil)),
			Resource{}, Resource{MilliCPU: 100, Memory: 200 * mi}},
		{"containers add up", pod("p", ctr(rl("cpu", "1", "memory", "1Gi")), ctr(rl("cpu", "500m"))),
			Resource{MilliCPU: 1500, Memory: 1024 * mi}, Resource{MilliCPU: 1500, Memory: 1224 * mi}},
		{"explicit zero is not defaulted", pod("p", ctr(rl("cpu", "0", "memory", "0"))),
			Resource{}, Resource{}},
		{"extended resources are scalars", pod("p", ctr(rl("example.com/gpu", "2", "hugepages-2Mi", "4Mi"))),
			Resource{ScalarResources: map[v1.ResourceName]int64{"example.com/gpu": 2, "hugepages-2Mi": 4 * mi}},
			Resource{MilliCPU: 100, Memory: 200 * mi, ScalarResources: map[v1.ResourceName]int64{"example.com/gpu": 2, "hugepages-2Mi": 4 * mi}}},
	}
	// Init containers: largest init phase vs running sum.
	p := pod("p", ctr(rl("cpu", "1", "memory", "1Gi")))
	p.Spec.InitContainers = []v1.Container{ctr(rl("cpu", "2")), ctr(rl("memory", "512Mi"))}
	tests = append(tests, struct {
		name          string
		pod           *v1.Pod
		want, nonZero Resource
	}{"init max vs sum", p, Resource{MilliCPU: 2000, Memory: 1024 * mi}, Resource{MilliCPU: 2000, Memory: 1024 * mi}})
	// Sidecars add to the running sum and to every later init container.
	p = pod("p", ctr(rl("cpu", "1")))
	p.Spec.InitContainers = []v1.Container{ctr(rl("cpu", "1500m")), sidecar(rl("cpu", "500m")), ctr(rl("cpu", "1800m"))}
	tests = append(tests, struct {
		name          string
		pod           *v1.Pod
		want, nonZero Resource
	}{"sidecar", p, Resource{MilliCPU: 2300}, Resource{MilliCPU: 2300, Memory: 400 * mi}})
	// Overhead is added on top.
	p = pod("p", ctr(rl("cpu", "1")))
	p.Spec.Overhead = rl("cpu", "250m", "memory", "64Mi")
	tests = append(tests, struct {
		name          string
		pod           *v1.Pod
		want, nonZero Resource
	}{"overhead", p, Resource{MilliCPU: 1250, Memory: 64 * mi}, Resource{MilliCPU: 1250, Memory: 264 * mi}})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PodRequests(tc.pod, false); !equalResource(got, &tc.want) {
				t.Errorf("requests = %+v, want %+v", got, tc.want)
			}
			if got := PodRequests(tc.pod, true); !equalResource(got, &tc.nonZero) {
				t.Errorf("non-zero = %+v, want %+v", got, tc.nonZero)
			}
		})
	}
}

func equalResource(a, b *Resource) bool {
	if a.MilliCPU != b.MilliCPU || a.Memory != b.Memory || a.EphemeralStorage != b.EphemeralStorage || a.AllowedPodNumber != b.AllowedPodNumber {
		return false
	}
	for k, v := range a.ScalarResources {
		if b.ScalarResources[k] != v {
			return false
		}
	}
	for k, v := range b.ScalarResources {
		if a.ScalarResources[k] != v {
			return false
		}
	}
	return true
}

func TestIsScalarResourceName(t *testing.T) {
	for name, want := range map[v1.ResourceName]bool{
		"cpu": false, "memory": false, "example.com/gpu": true, "kubernetes.io/foo": false,
		"node.kubernetes.io/x": false, "hugepages-1Gi": true, "attachable-volumes-csi-x": true,
		"requests.example.com/x": false,
	} {
		if got := IsScalarResourceName(name); got != want {
			t.Errorf("%s: got %v want %v", name, got, want)
		}
	}
}
