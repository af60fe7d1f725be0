package apiserver

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"orca/internal/apiserver/openapi"
	"orca/internal/registry"
)

func podFieldManagers(tb testing.TB) (validating, trusted *fieldManager) {
	tb.Helper()
	var pods *registry.Resource
	var kinds []openapi.Kind
	for _, r := range fuzzResources {
		kinds = append(kinds, openapi.Kind{Group: r.Group, Version: r.Version, Kind: r.Kind, Resource: r.Resource, Namespaced: r.Namespaced})
		if r.Resource == "pods" && r.Group == "" {
			pods = r
		}
	}
	docs, err := openapi.Build(kinds)
	if err != nil {
		tb.Fatal(err)
	}
	tc, err := managedfields.NewTypeConverter(docs.Definitions(), false)
	if err != nil {
		tb.Fatal(err)
	}
	c := newCodecs()
	if validating, err = newFieldManager(tc, pods, c); err != nil {
		tb.Fatal(err)
	}
	if trusted, err = newFieldManager(newTrustedTypeConverter(tc), pods, c); err != nil {
		tb.Fatal(err)
	}
	return validating, trusted
}

// statusWrite is a kubelet-like status change of a scheduled pod.
func statusWrite() (live, updated *corev1.Pod) {
	live = &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "i",
			Env:   []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}}, // duplicate keys are allowed
			Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
	updated = live.DeepCopy()
	now := metav1.NewTime(time.Unix(1700000000, 0))
	updated.Status = corev1.PodStatus{
		Phase: corev1.PodRunning, PodIP: "10.244.0.5", PodIPs: []corev1.PodIP{{IP: "10.244.0.5"}}, StartTime: &now,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true, Image: "i", ImageID: "sha256:x",
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}},
	}
	return live, updated
}

// The trusted converter must record exactly what the validating one does,
// for the main resource and the status subresource alike.
func TestTrustedTypeConverterSameManagedFields(t *testing.T) {
	validating, trusted := podFieldManagers(t)
	// Through the main resource the status change is reset away: only the
	// creator's entry remains.
	for sub, entries := range map[string]int{"": 1, "status": 2} {
		var got [2]runtime.Object
		for i, fm := range []*fieldManager{validating, trusted} {
			for round := 0; round < 2; round++ { // the second round uses the remembered schema
				live, updated := statusWrite()
				first, err := fm.Update(&corev1.Pod{TypeMeta: live.TypeMeta}, live, "creator", "")
				if err != nil {
					t.Fatal(err)
				}
				updated.ManagedFields = first.(*corev1.Pod).ManagedFields
				if got[i], err = fm.Update(first, updated, "kubelet", sub); err != nil {
					t.Fatal(err)
				}
			}
		}
		a, b := got[0].(*corev1.Pod).ManagedFields, got[1].(*corev1.Pod).ManagedFields
		clearTimes(a)
		clearTimes(b)
		if len(a) != entries || !equality.Semantic.DeepEqual(a, b) {
			t.Errorf("sub %q: managed fields differ or are missing:\nvalidating %v\ntrusted    %v", sub, a, b)
		}
	}
}

// typicalSpec gives a pod what a service's pod commonly has: env, mounts,
// probes, resources, a security context.
func typicalSpec(p *corev1.Pod) {
	c := &p.Spec.Containers[0]
	for i := range 10 {
		c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("VAR_%d", i), Value: "value"})
	}
	c.Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(80)}}, PeriodSeconds: 10}
	c.ReadinessProbe, c.LivenessProbe = probe, probe.DeepCopy()
	for i := range 3 {
		name := fmt.Sprintf("vol-%d", i)
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: "/etc/" + name})
	}
	p.Spec.Tolerations = []corev1.Toleration{
		{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	}
	runAsNonRoot := true
	p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: &runAsNonRoot}
}

// A kubelet's status write, recorded comparing the parts that changed
// (Update) or the whole pods (whole), for the test's small pod and for a
// typical one.
func BenchmarkFieldManagerStatusUpdate(b *testing.B) {
	validating, trusted := podFieldManagers(b)
	for _, c := range []struct {
		name string
		fm   *fieldManager
	}{{"validating", validating}, {"trusted", trusted}} {
		for _, typical := range []bool{false, true} {
			for _, whole := range []bool{false, true} {
				name := fmt.Sprintf("%s/typical=%v/whole=%v", c.name, typical, whole)
				b.Run(name, func(b *testing.B) {
					live, updated := statusWrite()
					if typical {
						typicalSpec(live)
						typicalSpec(updated)
					}
					first, _ := c.fm.Update(&corev1.Pod{TypeMeta: live.TypeMeta}, live, "creator", "")
					updated.ManagedFields = first.(*corev1.Pod).ManagedFields
					b.ReportAllocs()
					for b.Loop() {
						if whole {
							c.fm.pick("status").UpdateNoErrors(first, updated.DeepCopy(), "kubelet")
						} else if _, err := c.fm.Update(first, updated.DeepCopy(), "kubelet", "status"); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func clearTimes(entries []metav1.ManagedFieldsEntry) {
	for i := range entries {
		entries[i].Time = nil
	}
}

// A controller's create of a typical pod: the whole object is compared
// against an empty one.
func BenchmarkFieldManagerCreate(b *testing.B) {
	_, trusted := podFieldManagers(b)
	pod, _ := statusWrite()
	typicalSpec(pod)
	pod.Status = corev1.PodStatus{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := trusted.Update(&corev1.Pod{TypeMeta: pod.TypeMeta}, pod.DeepCopy(), "kube-controller-manager", ""); err != nil {
			b.Fatal(err)
		}
	}
}
