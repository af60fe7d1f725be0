package endpointutil

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testPod() *v1.Pod {
	always := v1.ContainerRestartPolicyAlways
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Spec: v1.PodSpec{
			NodeName: "n1",
			Containers: []v1.Container{{Name: "c", Ports: []v1.ContainerPort{
				{Name: "http", ContainerPort: 8080},
				{Name: "dns", ContainerPort: 5353, Protocol: v1.ProtocolUDP},
			}}},
			InitContainers: []v1.Container{
				{Name: "init", Ports: []v1.ContainerPort{{Name: "init", ContainerPort: 1}}},
				{Name: "sidecar", RestartPolicy: &always, Ports: []v1.ContainerPort{{Name: "metrics", ContainerPort: 9100}}},
			},
		},
		Status: v1.PodStatus{
			Phase: v1.PodRunning, PodIP: "10.244.0.5", PodIPs: []v1.PodIP{{IP: "10.244.0.5"}},
			Conditions: []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue}},
		},
	}
}

func TestFindPort(t *testing.T) {
	p := testPod()
	tests := []struct {
		name string
		sp   v1.ServicePort
		want int32
		ok   bool
	}{
		{"number", v1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(9000)}, 9000, true},
		{"unset number", v1.ServicePort{Port: 80}, 80, true},
		{"name", v1.ServicePort{Port: 80, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromString("http")}, 8080, true},
		{"name, protocol defaulted", v1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, 8080, true},
		{"name of another protocol", v1.ServicePort{Port: 53, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromString("dns")}, 0, false},
		{"udp name", v1.ServicePort{Port: 53, Protocol: v1.ProtocolUDP, TargetPort: intstr.FromString("dns")}, 5353, true},
		{"sidecar port", v1.ServicePort{Port: 9100, TargetPort: intstr.FromString("metrics")}, 9100, true},
		{"plain init container port", v1.ServicePort{Port: 1, TargetPort: intstr.FromString("init")}, 0, false},
		{"missing name", v1.ServicePort{Port: 80, TargetPort: intstr.FromString("nope")}, 0, false},
	}
	for _, tt := range tests {
		got, ok := FindPort(p, &tt.sp)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %d %v, want %d %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPodChanged(t *testing.T) {
	tests := []struct {
		name          string
		mutate        func(*v1.Pod)
		changed, lbls bool
	}{
		{"status noise", func(p *v1.Pod) { p.Status.Message = "x"; p.ResourceVersion = "9" }, false, false},
		{"annotation", func(p *v1.Pod) { p.Annotations = map[string]string{"a": "b"} }, false, false},
		{"ready", func(p *v1.Pod) { p.Status.Conditions[0].Status = v1.ConditionFalse }, true, false},
		{"ip", func(p *v1.Pod) { p.Status.PodIPs = []v1.PodIP{{IP: "10.244.0.6"}} }, true, false},
		{"deleting", func(p *v1.Pod) { now := metav1.Now(); p.DeletionTimestamp = &now }, true, false},
		{"phase", func(p *v1.Pod) { p.Status.Phase = v1.PodFailed }, true, false},
		{"hostname", func(p *v1.Pod) { p.Spec.Hostname = "h" }, true, false},
		{"labels", func(p *v1.Pod) { p.Labels = map[string]string{"app": "b"} }, true, true},
	}
	for _, tt := range tests {
		old, cur := testPod(), testPod()
		tt.mutate(cur)
		changed, lbls := PodChanged(old, cur)
		if changed != tt.changed || lbls != tt.lbls {
			t.Errorf("%s: changed %v labels %v, want %v %v", tt.name, changed, lbls, tt.changed, tt.lbls)
		}
	}
}

func TestShouldPodBeInEndpoints(t *testing.T) {
	p := testPod()
	if !ShouldPodBeInEndpoints(p, false) {
		t.Error("running pod with an IP left out")
	}
	now := metav1.Now()
	p.DeletionTimestamp = &now
	if ShouldPodBeInEndpoints(p, false) || !ShouldPodBeInEndpoints(p, true) {
		t.Error("terminating pods only when included")
	}
	p = testPod()
	p.Status.Phase = v1.PodSucceeded
	if ShouldPodBeInEndpoints(p, true) {
		t.Error("finished pod included")
	}
	p = testPod()
	p.Status.PodIP, p.Status.PodIPs = "", nil
	if ShouldPodBeInEndpoints(p, true) {
		t.Error("pod without an IP included")
	}
}

func TestTriggerTime(t *testing.T) {
	tr := NewTriggerTimeTracker()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svc := &v1.Service{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}}
	p := testPod()
	t1 := created.Add(time.Minute)
	p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t1)
	if got := tr.Compute("ns/s", svc, []*v1.Pod{p}); !got.Equal(created) {
		t.Errorf("first sync: %v, want the Service's creation", got)
	}
	if got := tr.Compute("ns/s", svc, []*v1.Pod{p}); !got.IsZero() {
		t.Errorf("nothing changed: %v, want zero", got)
	}
	// Same transition second, other status: still a change.
	p.Status.Conditions[0].Status = v1.ConditionFalse
	if got := tr.Compute("ns/s", svc, []*v1.Pod{p}); !got.Equal(t1) {
		t.Errorf("status flip: %v, want %v", got, t1)
	}
	q := testPod()
	q.Name = "q"
	t2 := created.Add(2 * time.Minute)
	q.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t2)
	t3 := created.Add(3 * time.Minute)
	p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t3)
	if got := tr.Compute("ns/s", svc, []*v1.Pod{p, q}); !got.Equal(t2) {
		t.Errorf("two changes: %v, want the earliest %v", got, t2)
	}
	tr.Forget("ns/s")
	if got := tr.Compute("ns/s", svc, []*v1.Pod{p, q}); !got.Equal(created) {
		t.Errorf("after Forget: %v, want the creation", got)
	}
}
