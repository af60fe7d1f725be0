package fieldpath

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func resPod() *v1.Pod {
	q := resource.MustParse
	return &v1.Pod{Spec: v1.PodSpec{
		InitContainers: []v1.Container{{Name: "init", Resources: v1.ResourceRequirements{
			Limits: v1.ResourceList{v1.ResourceCPU: q("2")},
		}}},
		Containers: []v1.Container{
			{Name: "app", Resources: v1.ResourceRequirements{
				Limits:   v1.ResourceList{v1.ResourceCPU: q("1500m"), v1.ResourceMemory: q("128Mi"), "hugepages-2Mi": q("4Mi")},
				Requests: v1.ResourceList{v1.ResourceCPU: q("250m"), v1.ResourceMemory: q("64Mi"), v1.ResourceEphemeralStorage: q("1Gi")},
			}},
			{Name: "bare"},
		},
	}}
}

func TestExtractResource(t *testing.T) {
	q := resource.MustParse
	alloc := v1.ResourceList{v1.ResourceCPU: q("4"), v1.ResourceMemory: q("8Gi"), v1.ResourceEphemeralStorage: q("100Gi")}
	tests := []struct {
		name      string
		container string // container passed directly
		ref       v1.ResourceFieldSelector
		want      string
		wantErr   bool
	}{
		{name: "cpu limit ceil cores", container: "app", ref: v1.ResourceFieldSelector{Resource: "limits.cpu"}, want: "2"},
		{name: "cpu limit millis", container: "app", ref: v1.ResourceFieldSelector{Resource: "limits.cpu", Divisor: q("1m")}, want: "1500"},
		{name: "cpu request ceil", container: "app", ref: v1.ResourceFieldSelector{Resource: "requests.cpu"}, want: "1"},
		{name: "cpu request millis", container: "app", ref: v1.ResourceFieldSelector{Resource: "requests.cpu", Divisor: q("1m")}, want: "250"},
		{name: "memory limit bytes", container: "app", ref: v1.ResourceFieldSelector{Resource: "limits.memory"}, want: "134217728"},
		{name: "memory limit Mi", container: "app", ref: v1.ResourceFieldSelector{Resource: "limits.memory", Divisor: q("1Mi")}, want: "128"},
		{name: "memory limit Gi rounds up", container: "app", ref: v1.ResourceFieldSelector{Resource: "limits.memory", Divisor: q("1Gi")}, want: "1"},
		{name: "memory request Mi", container: "app", ref: v1.ResourceFieldSelector{Resource: "requests.memory", Divisor: q("1Mi")}, want: "64"},
		{name: "ephemeral request Gi", container: "app", ref: v1.ResourceFieldSelector{Resource: "requests.ephemeral-storage", Divisor: q("1Gi")}, want: "1"},
		{name: "ephemeral limit defaults", container: "app", ref: v1.ResourceFieldSelector{Resource: "limits.ephemeral-storage", Divisor: q("1Gi")}, want: "100"},
		{name: "hugepages limit", container: "app", ref: v1.ResourceFieldSelector{Resource: "limits.hugepages-2Mi", Divisor: q("1Mi")}, want: "4"},
		{name: "unset cpu limit is allocatable", container: "bare", ref: v1.ResourceFieldSelector{Resource: "limits.cpu"}, want: "4"},
		{name: "unset memory limit is allocatable", container: "bare", ref: v1.ResourceFieldSelector{Resource: "limits.memory", Divisor: q("1Gi")}, want: "8"},
		{name: "unset request is zero", container: "bare", ref: v1.ResourceFieldSelector{Resource: "requests.memory"}, want: "0"},
		{name: "by container name", ref: v1.ResourceFieldSelector{ContainerName: "app", Resource: "limits.cpu", Divisor: q("1m")}, want: "1500"},
		{name: "init container by name", ref: v1.ResourceFieldSelector{ContainerName: "init", Resource: "limits.cpu"}, want: "2"},
		{name: "missing container", ref: v1.ResourceFieldSelector{ContainerName: "nope", Resource: "limits.cpu"}, wantErr: true},
		{name: "no container", ref: v1.ResourceFieldSelector{Resource: "limits.cpu"}, wantErr: true},
		{name: "unsupported resource", container: "app", ref: v1.ResourceFieldSelector{Resource: "limits.nvidia.com/gpu"}, wantErr: true},
		{name: "bad kind", container: "app", ref: v1.ResourceFieldSelector{Resource: "usage.cpu"}, wantErr: true},
		{name: "no dot", container: "app", ref: v1.ResourceFieldSelector{Resource: "cpu"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := resPod()
			var c *v1.Container
			if tt.container != "" {
				c = findContainer(pod, tt.container)
			}
			got, err := ExtractResource(pod, c, &tt.ref, alloc)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v; want %q, err=%v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestExtractResourceDoesNotMutate(t *testing.T) {
	pod := resPod()
	c := &pod.Spec.Containers[1]
	alloc := v1.ResourceList{v1.ResourceCPU: resource.MustParse("4")}
	if _, err := ExtractResource(pod, c, &v1.ResourceFieldSelector{Resource: "limits.cpu"}, alloc); err != nil {
		t.Fatal(err)
	}
	if c.Resources.Limits != nil {
		t.Errorf("limits were mutated: %v", c.Resources.Limits)
	}
}
