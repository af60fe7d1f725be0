package endpointslice

import (
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// svc is a Service "web" in ns "ns" selecting app=web, port 80 → the
// container port named "http".
func svc(mutate ...func(*v1.Service)) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "svc-uid", Labels: map[string]string{"team": "blue"}},
		Spec: v1.ServiceSpec{
			ClusterIP:  "10.96.0.20",
			IPFamilies: []v1.IPFamily{v1.IPv4Protocol},
			Selector:   map[string]string{"app": "web"},
			Ports:      []v1.ServicePort{{Name: "web", Port: 80, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromString("http")}},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

// pod is a Running, Ready pod "name" on node-a with IP ip and the
// container port http=8080.
func pod(name, ip string, mutate ...func(*v1.Pod)) *v1.Pod {
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name + "-uid"), Labels: map[string]string{"app": "web"}},
		Spec: v1.PodSpec{
			NodeName:   "node-a",
			Containers: []v1.Container{{Name: "c", Ports: []v1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: v1.ProtocolTCP}}}},
		},
		Status: v1.PodStatus{
			Phase:      v1.PodRunning,
			PodIP:      ip,
			PodIPs:     []v1.PodIP{{IP: ip}},
			Conditions: []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue}},
		},
	}
	for _, m := range mutate {
		m(p)
	}
	return p
}

func notReady(p *v1.Pod) { p.Status.Conditions[0].Status = v1.ConditionFalse }

func terminating(p *v1.Pod) {
	now := metav1.NewTime(time.Unix(100, 0))
	p.DeletionTimestamp = &now
}

// readyPods makes n ready pods p000... with IPs 10.244.x.y.
func readyPods(n int) []*v1.Pod {
	out := make([]*v1.Pod, n)
	for i := range out {
		out[i] = pod(fmt.Sprintf("p%03d", i), fmt.Sprintf("10.244.%d.%d", i/250, i%250+2))
	}
	return out
}

// sliceOf is an existing slice of the Service (as if read from the API)
// holding the desired endpoints of ps.
func sliceOf(s *v1.Service, name string, ps ...*v1.Pod) *discovery.EndpointSlice {
	groups, _ := Desired(s, ps, nil)
	t := TargetFor(s, groups)
	sl := newSlice(t, discovery.AddressTypeIPv4, nil)
	sl.Name, sl.UID, sl.ResourceVersion, sl.Generation = name, types.UID(name+"-uid"), "1", 1
	if len(groups) > 0 {
		sl.Ports = groups[0].Ports
		sl.Endpoints = groups[0].Endpoints
	}
	return sl
}

func ptr[T any](v T) *T { return &v }
