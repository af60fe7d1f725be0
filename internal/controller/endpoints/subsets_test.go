package endpoints

import (
	"fmt"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func svc(mutate ...func(*v1.Service)) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Labels: map[string]string{"team": "blue"}},
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

func pod(name, ip string, mutate ...func(*v1.Pod)) *v1.Pod {
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name + "-uid"), Labels: map[string]string{"app": "web"}},
		Spec: v1.PodSpec{
			NodeName:   "node-a",
			Containers: []v1.Container{{Name: "c", Ports: []v1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: v1.ProtocolTCP}}}},
		},
		Status: v1.PodStatus{
			Phase: v1.PodRunning, PodIP: ip, PodIPs: []v1.PodIP{{IP: ip}},
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

func addr(p *v1.Pod) v1.EndpointAddress {
	node := p.Spec.NodeName
	return v1.EndpointAddress{IP: p.Status.PodIP, NodeName: &node,
		TargetRef: &v1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}}
}

func TestSubsets(t *testing.T) {
	a := pod("a", "10.244.0.5")
	b := pod("b", "10.244.0.4", notReady)
	c := pod("c", "10.244.0.6", func(p *v1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 9090 })
	d := pod("d", "10.244.0.7", terminating)
	noIP := pod("e", "", func(p *v1.Pod) { p.Status.PodIPs = nil })
	done := pod("f", "10.244.0.8", func(p *v1.Pod) { p.Status.Phase = v1.PodSucceeded })
	http := []v1.EndpointPort{{Name: "web", Port: 8080, Protocol: v1.ProtocolTCP}}
	alt := []v1.EndpointPort{{Name: "web", Port: 9090, Protocol: v1.ProtocolTCP}}
	tests := []struct {
		name string
		svc  *v1.Service
		pods []*v1.Pod
		want []v1.EndpointSubset
	}{
		{name: "ready and not ready, sorted by IP", svc: svc(), pods: []*v1.Pod{a, b, noIP, done},
			want: []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr(a)}, NotReadyAddresses: []v1.EndpointAddress{addr(b)}, Ports: http}}},
		{name: "one subset per resolved port", svc: svc(), pods: []*v1.Pod{a, c},
			want: []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr(a)}, Ports: http}, {Addresses: []v1.EndpointAddress{addr(c)}, Ports: alt}}},
		{name: "terminating pods left out", svc: svc(), pods: []*v1.Pod{a, d},
			want: []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr(a)}, Ports: http}}},
		{name: "publishNotReadyAddresses: all ready, terminating too",
			svc: svc(func(s *v1.Service) { s.Spec.PublishNotReadyAddresses = true }), pods: []*v1.Pod{a, b, d},
			want: []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr(b), addr(a), addr(d)}, Ports: http}}},
		{name: "headless without ports", svc: svc(func(s *v1.Service) { s.Spec.ClusterIP, s.Spec.Ports = "None", nil }), pods: []*v1.Pod{a},
			want: []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr(a)}}}},
		{name: "no pods", svc: svc(), want: []v1.EndpointSubset{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Subsets(tt.svc, tt.pods)
			if !equality.Semantic.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSubsetsHostname(t *testing.T) {
	p := pod("db-0", "10.244.0.5", func(p *v1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "db-0", "web" })
	got := Subsets(svc(), []*v1.Pod{p})
	if got[0].Addresses[0].Hostname != "db-0" {
		t.Errorf("hostname %q", got[0].Addresses[0].Hostname)
	}
}

func addrs(n int, prefix string) []v1.EndpointAddress {
	out := make([]v1.EndpointAddress, n)
	for i := range out {
		out[i] = v1.EndpointAddress{IP: fmt.Sprintf("%s.%d.%d", prefix, i/250, i%250)}
	}
	return out
}

func TestTruncate(t *testing.T) {
	count := func(ss []v1.EndpointSubset) (r, n []int) {
		for _, s := range ss {
			r, n = append(r, len(s.Addresses)), append(n, len(s.NotReadyAddresses))
		}
		return r, n
	}
	tests := []struct {
		name                  string
		subsets               []v1.EndpointSubset
		truncated             bool
		wantReady, wantNotRdy []int
	}{
		{"at capacity", []v1.EndpointSubset{{Addresses: addrs(600, "10"), NotReadyAddresses: addrs(400, "11")}}, false, []int{600}, []int{400}},
		{"not ready cut first", []v1.EndpointSubset{
			{Addresses: addrs(600, "10"), NotReadyAddresses: addrs(300, "11")},
			{Addresses: addrs(200, "12"), NotReadyAddresses: addrs(100, "13")},
		}, true, []int{600, 200}, []int{150, 50}},
		{"ready over capacity: shares, no not ready", []v1.EndpointSubset{
			{Addresses: addrs(1500, "10"), NotReadyAddresses: addrs(10, "11")},
			{Addresses: addrs(500, "12")},
		}, true, []int{750, 250}, []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Truncate(tt.subsets); got != tt.truncated {
				t.Errorf("truncated %v, want %v", got, tt.truncated)
			}
			r, n := count(tt.subsets)
			if !equality.Semantic.DeepEqual(r, tt.wantReady) || !equality.Semantic.DeepEqual(n, tt.wantNotRdy) {
				t.Errorf("ready %v not ready %v, want %v %v", r, n, tt.wantReady, tt.wantNotRdy)
			}
		})
	}
}

// Desired: labels, headless label, the over-capacity annotation; Current
// ignores the trigger time.
func TestDesiredAndCurrent(t *testing.T) {
	var ps []*v1.Pod
	for i := 0; i < 1001; i++ {
		ps = append(ps, pod(fmt.Sprintf("p%d", i), fmt.Sprintf("10.244.%d.%d", i/250, i%250+2)))
	}
	want := Desired(svc(func(s *v1.Service) { s.Spec.ClusterIP = "None" }), ps)
	if want.Annotations[v1.EndpointsOverCapacity] != "truncated" {
		t.Errorf("annotations %v", want.Annotations)
	}
	if _, ok := want.Labels[v1.IsHeadlessService]; !ok || want.Labels["team"] != "blue" {
		t.Errorf("labels %v", want.Labels)
	}
	if n := len(want.Subsets[0].Addresses); n != MaxCapacity {
		t.Errorf("%d addresses, want %d", n, MaxCapacity)
	}
	cur := want.DeepCopy()
	cur.Annotations[v1.EndpointsLastChangeTriggerTime] = "2026-01-01T00:00:00Z"
	if !Current(cur, want) {
		t.Error("a trigger time alone made the Endpoints out of date")
	}
	again := Desired(svc(func(s *v1.Service) { s.Spec.ClusterIP = "None" }), ps)
	if !Current(cur, again) {
		t.Error("a truncated Endpoints is rewritten on every sync")
	}
	cur.Labels["team"] = "red"
	if Current(cur, want) {
		t.Error("changed labels not noticed")
	}
	small := Desired(svc(), ps[:3])
	if _, ok := small.Annotations[v1.EndpointsOverCapacity]; ok {
		t.Errorf("over-capacity annotation on 3 addresses")
	}
	if _, ok := small.Labels[v1.IsHeadlessService]; ok {
		t.Errorf("headless label on a ClusterIP Service")
	}
}
